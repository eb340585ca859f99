//! burn modules on disk: one `.bpk` record per module, written atomically, read back into a
//! freshly built module of the declared architecture. Used by priors, flows and checkpoints.

use std::path::Path;

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;

use crate::error::{Error, Result};
use crate::files;

/// Writes `module`'s weights to `path` atomically; `what` names it in errors.
pub fn save_module<M: Module>(module: &M, path: &Path, what: &str) -> Result<()> {
    let bytes = module
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| Error::Unsupported(format!("cannot serialise {what}: {e:?}")))?;
    files::write_atomic(path, &bytes)
}

/// Loads the record at `path` into `fresh`, which must have the record's architecture.
pub fn load_module<M: Module>(fresh: M, path: &Path) -> Result<M> {
    module_from_bytes(fresh, files::read(path)?, path)
}

/// [`load_module`] of a record file's bytes; `path` names the file in errors.
pub fn module_from_bytes<M: Module>(fresh: M, bytes: Vec<u8>, path: &Path) -> Result<M> {
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| Error::Checkpoint {
            path: path.to_path_buf(),
            message: format!("not a burn record: {e:?}"),
        })?;
    fresh
        .try_load_record(record)
        .map_err(|e| Error::Checkpoint {
            path: path.to_path_buf(),
            message: format!("{e:?}"),
        })
}
