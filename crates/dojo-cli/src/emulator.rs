use crate::cli::SandboxArgs;
use crate::errors::CliError;
use crate::output::Out;
pub(crate) const EMULATOR_KEY: &str = "sk_sandbox_demo";
pub(crate) fn run(_args: &SandboxArgs, _out: &Out) -> Result<(), CliError> {
    Err(CliError::Usage("soon".into()))
}
