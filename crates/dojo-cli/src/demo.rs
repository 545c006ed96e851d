use crate::cli::{Cli, DemoArgs};
use crate::errors::CliError;
use crate::output::Out;
pub(crate) fn run(_args: &DemoArgs, _cli: &Cli, _t: dojo_ureq::Timeouts, _out: &Out) -> Result<(), CliError> {
    let _ = crate::emulator::EMULATOR_KEY;
    Err(CliError::Usage("soon".into()))
}
