//! A host stand-in for esp-idf-svc 0.53: the items `examples/esp32-kiosk` uses, with
//! the signatures of esp-idf-svc 0.53.0, esp-idf-hal 0.47.0 and esp-idf-sys 0.38.1 (the
//! module paths the example names them by; types the real crates re-export from
//! embedded-svc 0.29 are re-exported here too). Bodies only panic: this crate exists so
//! the example compiles on a host without ESP-IDF, and is never run. When the example
//! starts using another item, add it here with the real crate's signature.

#![allow(clippy::new_without_default, clippy::missing_safety_doc)]

fn standin() -> ! {
    unimplemented!("esp-idf-svc stand-in: compile check only")
}

/// esp-idf-sys (re-exported as `esp_idf_svc::sys`).
pub mod sys {
    use core::fmt;

    /// esp-idf-sys's `esp_err_t`.
    #[allow(non_camel_case_types)]
    pub type esp_err_t = i32;

    /// esp-idf-sys's `EspError`: a non-OK `esp_err_t`.
    #[derive(Copy, Clone, Eq, PartialEq, Debug)]
    pub struct EspError(esp_err_t);

    impl EspError {
        pub fn code(&self) -> esp_err_t {
            self.0
        }
    }

    impl fmt::Display for EspError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "ESP error {}", self.0)
        }
    }

    impl std::error::Error for EspError {}

    pub fn link_patches() {}

    /// # Safety
    /// None (ESP-IDF's `esp_random`).
    pub unsafe extern "C" fn esp_random() -> u32 {
        super::standin()
    }

    /// # Safety
    /// ESP-IDF's `esp_crt_bundle_attach`: `conf` is an `esp_tls_cfg`.
    pub unsafe extern "C" fn esp_crt_bundle_attach(_conf: *mut core::ffi::c_void) -> esp_err_t {
        super::standin()
    }
}

/// esp-idf-hal (re-exported as `esp_idf_svc::hal`).
pub mod hal {
    /// esp-idf-hal 0.47's `reset` module.
    pub mod reset {
        /// Restarts the chip (`esp_restart`).
        pub fn restart() -> ! {
            crate::standin()
        }
    }

    pub mod delay {
        /// esp-idf-hal's FreeRTOS delay.
        pub struct FreeRtos;

        impl FreeRtos {
            pub fn delay_ms(_ms: u32) {
                crate::standin()
            }
        }
    }

    pub mod modem {
        use core::marker::PhantomData;

        /// esp-idf-hal's marker for peripherals Wi-Fi can drive.
        pub trait WifiModemPeripheral {}

        pub struct Modem<'d>(PhantomData<&'d mut ()>);

        impl WifiModemPeripheral for Modem<'_> {}
    }

    pub mod peripherals {
        use crate::sys::EspError;

        pub struct Peripherals {
            pub modem: super::modem::Modem<'static>,
        }

        impl Peripherals {
            pub fn take() -> Result<Self, EspError> {
                crate::standin()
            }
        }
    }
}

pub mod eventloop {
    use core::marker::PhantomData;

    use crate::sys::EspError;

    pub struct System;

    pub struct EspEventLoop<T>(PhantomData<T>);

    impl<T> Clone for EspEventLoop<T> {
        fn clone(&self) -> Self {
            crate::standin()
        }
    }

    pub type EspSystemEventLoop = EspEventLoop<System>;

    impl EspEventLoop<System> {
        pub fn take() -> Result<Self, EspError> {
            crate::standin()
        }
    }
}

pub mod io {
    use core::fmt;

    use crate::sys::EspError;

    /// esp-idf-hal's `EspIOError`: the I/O error of its connections.
    #[derive(Copy, Clone, PartialEq, Eq, Debug)]
    pub struct EspIOError(pub EspError);

    impl embedded_svc::io::Error for EspIOError {
        fn kind(&self) -> embedded_svc::io::ErrorKind {
            embedded_svc::io::ErrorKind::Other
        }
    }

    impl From<EspError> for EspIOError {
        fn from(e: EspError) -> Self {
            Self(e)
        }
    }

    impl fmt::Display for EspIOError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(&self.0, f)
        }
    }

    impl core::error::Error for EspIOError {}
}

pub mod log {
    pub struct EspLogger;

    impl EspLogger {
        pub fn initialize_default() {}
    }
}

pub mod nvs {
    use core::marker::PhantomData;

    use crate::sys::EspError;

    pub trait NvsPartitionId {}

    pub struct NvsDefault(());
    pub struct NvsCustom(());
    pub struct NvsEncrypted(());

    impl NvsPartitionId for NvsDefault {}
    impl NvsPartitionId for NvsCustom {}
    impl NvsPartitionId for NvsEncrypted {}

    pub struct EspNvsPartition<T: NvsPartitionId>(PhantomData<T>);

    pub type EspDefaultNvsPartition = EspNvsPartition<NvsDefault>;
    pub type EspCustomNvsPartition = EspNvsPartition<NvsCustom>;
    pub type EspEncryptedNvsPartition = EspNvsPartition<NvsEncrypted>;

    impl<T: NvsPartitionId> Clone for EspNvsPartition<T> {
        fn clone(&self) -> Self {
            crate::standin()
        }
    }

    impl EspNvsPartition<NvsDefault> {
        pub fn take() -> Result<Self, EspError> {
            crate::standin()
        }
    }

    impl EspNvsPartition<NvsCustom> {
        pub fn take(_partition: &str) -> Result<Self, EspError> {
            crate::standin()
        }
    }

    impl EspNvsPartition<NvsEncrypted> {
        pub fn take(_partition: &str, _keys_partition: Option<&str>) -> Result<Self, EspError> {
            crate::standin()
        }
    }

    pub struct EspNvs<T: NvsPartitionId>(PhantomData<T>);

    impl<T: NvsPartitionId> EspNvs<T> {
        pub fn new(_partition: EspNvsPartition<T>, _namespace: &str, _read_write: bool) -> Result<Self, EspError> {
            crate::standin()
        }

        pub fn get_str<'a>(&self, _name: &str, _buf: &'a mut [u8]) -> Result<Option<&'a str>, EspError> {
            crate::standin()
        }

        pub fn set_str(&self, _name: &str, _val: &str) -> Result<(), EspError> {
            crate::standin()
        }
    }
}

pub mod sntp {
    use core::marker::PhantomData;

    use crate::sys::EspError;

    #[derive(Copy, Clone, Debug, Eq, PartialEq)]
    pub enum SyncStatus {
        Reset,
        Completed,
        InProgress,
    }

    /// esp-idf-svc's SNTP client; dropping it stops SNTP (`sntp_stop`).
    pub struct EspSntp<'a>(PhantomData<&'a ()>);

    impl EspSntp<'static> {
        pub fn new_default() -> Result<Self, EspError> {
            crate::standin()
        }
    }

    impl EspSntp<'_> {
        pub fn get_sync_status(&self) -> SyncStatus {
            crate::standin()
        }
    }

    impl Drop for EspSntp<'_> {
        fn drop(&mut self) {}
    }
}

pub mod netif {
    use crate::sys::EspError;

    pub struct EspNetif(());

    impl EspNetif {
        pub fn get_ip_info(&self) -> Result<embedded_svc::ipv4::IpInfo, EspError> {
            crate::standin()
        }
    }
}

pub mod wifi {
    use core::marker::PhantomData;

    pub use embedded_svc::wifi::{AuthMethod, ClientConfiguration, Configuration};

    use crate::eventloop::EspSystemEventLoop;
    use crate::hal::modem::WifiModemPeripheral;
    use crate::netif::EspNetif;
    use crate::nvs::EspDefaultNvsPartition;
    use crate::sys::EspError;

    pub struct EspWifi<'d>(PhantomData<&'d mut ()>);

    impl<'d> EspWifi<'d> {
        pub fn new<M: WifiModemPeripheral + 'd>(
            _modem: M,
            _sysloop: EspSystemEventLoop,
            _nvs: Option<EspDefaultNvsPartition>,
        ) -> Result<Self, EspError> {
            crate::standin()
        }

        pub fn sta_netif(&self) -> &EspNetif {
            crate::standin()
        }
    }

    pub struct BlockingWifi<T>(T);

    impl<T> BlockingWifi<T> {
        pub fn wrap(_wifi: T, _event_loop: EspSystemEventLoop) -> Result<Self, EspError> {
            crate::standin()
        }

        pub fn wifi(&self) -> &T {
            &self.0
        }

        pub fn set_configuration(&mut self, _conf: &Configuration) -> Result<(), EspError> {
            crate::standin()
        }

        pub fn start(&mut self) -> Result<(), EspError> {
            crate::standin()
        }

        pub fn connect(&mut self) -> Result<(), EspError> {
            crate::standin()
        }

        pub fn wait_netif_up(&self) -> Result<(), EspError> {
            crate::standin()
        }
    }
}

pub mod http {
    pub mod client {
        use core::time::Duration;

        use embedded_svc::http::client::Connection;
        use embedded_svc::http::{Headers, Method, Status};
        use embedded_svc::io::{ErrorType, Read, Write};

        use crate::io::EspIOError;
        use crate::sys::{esp_err_t, EspError};

        /// esp-idf-svc's `http::client::Configuration`, less the fields whose types the
        /// stand-in does not have (redirect policy, certificates).
        #[derive(Copy, Clone, Debug, Default)]
        pub struct Configuration {
            pub buffer_size: Option<usize>,
            pub buffer_size_tx: Option<usize>,
            pub timeout: Option<Duration>,
            pub use_global_ca_store: bool,
            pub crt_bundle_attach: Option<unsafe extern "C" fn(conf: *mut core::ffi::c_void) -> esp_err_t>,
            pub raw_request_body: bool,
            pub keep_alive_enable: bool,
            pub keep_alive_idle: Option<usize>,
            pub keep_alive_interval: Option<usize>,
            pub keep_alive_count: Option<usize>,
        }

        pub struct EspHttpConnection(());

        impl EspHttpConnection {
            pub fn new(_configuration: &Configuration) -> Result<Self, EspError> {
                crate::standin()
            }
        }

        impl Status for EspHttpConnection {
            fn status(&self) -> u16 {
                crate::standin()
            }

            fn status_message(&self) -> Option<&str> {
                crate::standin()
            }
        }

        impl Headers for EspHttpConnection {
            fn header(&self, _name: &str) -> Option<&str> {
                crate::standin()
            }
        }

        impl ErrorType for EspHttpConnection {
            type Error = EspIOError;
        }

        impl Read for EspHttpConnection {
            fn read(&mut self, _buf: &mut [u8]) -> Result<usize, Self::Error> {
                crate::standin()
            }
        }

        impl Write for EspHttpConnection {
            fn write(&mut self, _buf: &[u8]) -> Result<usize, Self::Error> {
                crate::standin()
            }

            fn flush(&mut self) -> Result<(), Self::Error> {
                crate::standin()
            }
        }

        impl Connection for EspHttpConnection {
            type Headers = Self;
            type Read = Self;
            type RawConnectionError = EspIOError;
            type RawConnection = Self;

            fn initiate_request<'a>(
                &'a mut self,
                _method: Method,
                _uri: &'a str,
                _headers: &'a [(&'a str, &'a str)],
            ) -> Result<(), Self::Error> {
                crate::standin()
            }

            fn is_request_initiated(&self) -> bool {
                crate::standin()
            }

            fn initiate_response(&mut self) -> Result<(), Self::Error> {
                crate::standin()
            }

            fn is_response_initiated(&self) -> bool {
                crate::standin()
            }

            fn split(&mut self) -> (&Self::Headers, &mut Self::Read) {
                crate::standin()
            }

            fn raw_connection(&mut self) -> Result<&mut Self::RawConnection, Self::Error> {
                crate::standin()
            }
        }
    }
}

/// esp-idf-svc 0.53's `partition` module (built when ESP-IDF's partition component is
/// enabled, as it is by default): a flash partition, with `embedded-storage`'s NOR flash
/// traits under the `embedded-storage` feature (the example enables it).
pub mod partition {
    use crate::sys::EspError;
    use embedded_storage::nor_flash::{
        ErrorType, MultiwriteNorFlash, NorFlash, NorFlashError, NorFlashErrorKind, ReadNorFlash,
    };

    /// A partition of the ESP32's flash (`*const esp_partition_t` in the real crate).
    #[repr(transparent)]
    pub struct EspPartition(*const core::ffi::c_void);

    unsafe impl Send for EspPartition {}

    impl EspPartition {
        /// The partition labelled `label`, `None` when there is none.
        ///
        /// # Safety
        /// Only a single partition should be active at any point in time for that label.
        pub unsafe fn new(_label: &str) -> Result<Option<Self>, EspError> {
            crate::standin()
        }

        /// Its size in bytes.
        pub fn size(&self) -> usize {
            crate::standin()
        }

        /// Its erase size (the sector, 4096).
        pub fn erase_size(&self) -> usize {
            crate::standin()
        }

        /// Whether it is encrypted.
        pub fn encrypted(&self) -> bool {
            crate::standin()
        }
    }

    /// esp-idf-svc's `EspFlashError`.
    #[derive(Copy, Clone, PartialEq, Eq, Debug)]
    pub struct EspFlashError(pub EspError);

    impl From<EspError> for EspFlashError {
        fn from(e: EspError) -> Self {
            Self(e)
        }
    }

    impl core::fmt::Display for EspFlashError {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            self.0.fmt(f)
        }
    }

    impl std::error::Error for EspFlashError {}

    impl NorFlashError for EspFlashError {
        fn kind(&self) -> NorFlashErrorKind {
            NorFlashErrorKind::Other
        }
    }

    impl ErrorType for EspPartition {
        type Error = EspFlashError;
    }

    impl ReadNorFlash for EspPartition {
        const READ_SIZE: usize = 1;

        fn read(&mut self, _offset: u32, _buf: &mut [u8]) -> Result<(), Self::Error> {
            crate::standin()
        }

        fn capacity(&self) -> usize {
            crate::standin()
        }
    }

    impl NorFlash for EspPartition {
        const WRITE_SIZE: usize = 1;
        const ERASE_SIZE: usize = 4096;

        fn erase(&mut self, _from: u32, _to: u32) -> Result<(), Self::Error> {
            crate::standin()
        }

        fn write(&mut self, _offset: u32, _bytes: &[u8]) -> Result<(), Self::Error> {
            crate::standin()
        }
    }

    impl MultiwriteNorFlash for EspPartition {}
}
