//! A simulated NOR flash for host tests: erased bytes are `0xFF`, programming can only
//! clear bits (1 → 0; a second write of a word ANDs into it, as `MultiwriteNorFlash`
//! allows), writes are whole words (`W` bytes, aligned), erases whole sectors (`S`
//! bytes, aligned).
//!
//! Every write and erase is logged with the flash image before it, so a test can rebuild
//! the image a power cut would leave at any byte of any operation ([`Sim::cut`]): the
//! bytes before the cut done, the byte at the cut half done (some of its bits programmed,
//! or some erased), the rest untouched.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::cell::RefCell;
use std::rc::Rc;
use std::vec::Vec;

use embedded_storage::nor_flash::{
    ErrorType, MultiwriteNorFlash, NorFlash, NorFlashErrorKind, ReadNorFlash, check_erase, check_read, check_write,
};

/// One flash operation, as logged.
#[derive(Clone, Debug)]
pub enum Op {
    /// A program of `bytes` at `offset`.
    Write { offset: u32, bytes: Vec<u8> },
    /// An erase of `from..to`.
    Erase { from: u32, to: u32 },
}

/// A logged operation: the image before it, the operation, and the test's phase then.
#[derive(Clone, Debug)]
pub struct Logged {
    pub before: Vec<u8>,
    pub op: Op,
    pub phase: usize,
}

impl Logged {
    /// How many cut points it has (one per byte).
    pub fn len(&self) -> usize {
        match &self.op {
            Op::Write { bytes, .. } => bytes.len(),
            Op::Erase { from, to } => (to - from) as usize,
        }
    }

    /// The image a power cut at byte `at` of this operation leaves.
    pub fn cut(&self, at: usize) -> Vec<u8> {
        let mut image = self.before.clone();
        match &self.op {
            Op::Write { offset, bytes } => {
                let base = *offset as usize;
                for (i, b) in bytes.iter().enumerate().take(at) {
                    image[base + i] &= b;
                }
                if let Some(b) = bytes.get(at) {
                    // Half programmed: only the high nibble's zero bits made it.
                    image[base + at] &= b | 0x0F;
                }
            }
            Op::Erase { from, .. } => {
                let base = *from as usize;
                for byte in image.iter_mut().skip(base).take(at) {
                    *byte = 0xFF;
                }
                // Half erased: the low nibble's bits are back to 1.
                image[base + at] |= 0x0F;
            }
        }
        image
    }
}

/// The flash's shared state (the test keeps a handle while the journal owns the flash).
#[derive(Debug, Default)]
pub struct State {
    pub image: Vec<u8>,
    pub log: Vec<Logged>,
    pub logging: bool,
    pub phase: usize,
    pub writes: usize,
    pub erases: usize,
}

/// A handle on a simulated flash of `S`-byte sectors and `W`-byte words.
#[derive(Clone, Debug)]
pub struct Sim<const W: usize, const S: usize> {
    pub state: Rc<RefCell<State>>,
}

impl<const W: usize, const S: usize> Sim<W, S> {
    /// An erased flash of `sectors` sectors.
    pub fn new(sectors: usize) -> Self {
        Self::from_image(vec![0xFF; sectors * S])
    }

    /// A flash holding `image`.
    pub fn from_image(image: Vec<u8>) -> Self {
        Sim { state: Rc::new(RefCell::new(State { image, ..State::default() })) }
    }

    /// A copy of the flash as it is.
    pub fn image(&self) -> Vec<u8> {
        self.state.borrow().image.clone()
    }

    /// Starts logging operations, each tagged with the test's current phase.
    pub fn log(&self, on: bool) {
        self.state.borrow_mut().logging = on;
    }

    /// Sets the phase the next operations are tagged with.
    pub fn phase(&self, phase: usize) {
        self.state.borrow_mut().phase = phase;
    }

    fn record(&self, op: Op) {
        let mut s = self.state.borrow_mut();
        match op {
            Op::Write { .. } => s.writes += 1,
            Op::Erase { .. } => s.erases += 1,
        }
        if s.logging {
            let before = s.image.clone();
            let phase = s.phase;
            s.log.push(Logged { before, op, phase });
        }
    }
}

impl<const W: usize, const S: usize> ErrorType for Sim<W, S> {
    type Error = NorFlashErrorKind;
}

impl<const W: usize, const S: usize> ReadNorFlash for Sim<W, S> {
    const READ_SIZE: usize = 1;

    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), NorFlashErrorKind> {
        check_read(self, offset, bytes.len())?;
        let s = self.state.borrow();
        bytes.copy_from_slice(&s.image[offset as usize..offset as usize + bytes.len()]);
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.state.borrow().image.len()
    }
}

impl<const W: usize, const S: usize> NorFlash for Sim<W, S> {
    const WRITE_SIZE: usize = W;
    const ERASE_SIZE: usize = S;

    fn erase(&mut self, from: u32, to: u32) -> Result<(), NorFlashErrorKind> {
        check_erase(self, from, to)?;
        self.record(Op::Erase { from, to });
        let mut s = self.state.borrow_mut();
        s.image[from as usize..to as usize].fill(0xFF);
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), NorFlashErrorKind> {
        check_write(self, offset, bytes.len())?;
        self.record(Op::Write { offset, bytes: bytes.to_vec() });
        let mut s = self.state.borrow_mut();
        for (dst, b) in s.image[offset as usize..].iter_mut().zip(bytes) {
            // NOR programming only clears bits.
            *dst &= b;
        }
        Ok(())
    }
}

impl<const W: usize, const S: usize> MultiwriteNorFlash for Sim<W, S> {}
