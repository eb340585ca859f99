//! burn modules on disk: one `.bpk` record per module, written atomically, read back into a
//! freshly built module of the declared architecture. Used by priors, flows and checkpoints.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bool, Bytes, DType, Int, Tensor};

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
    let bad = |message: String| Error::Checkpoint {
        path: path.to_path_buf(),
        message,
    };
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| bad(format!("not a burn record: {e:?}")))?;
    let expected = dtypes(&fresh);
    // burn checks a record's names, shapes and byte lengths, but panics on a tensor whose
    // dtype does not fit its parameter (an integer tensor for a float weight: burn-tensor
    // 0.22's `from_data` and `convert_dtype`). A `ModuleRecord` keeps its tensors private, so
    // their dtypes cannot be checked before applying it: a panic while applying is caught as
    // the last resort and reported as the malformed file it is. Nothing outlives it: the
    // fresh module and the record are consumed, and the tensors are created on the host-side
    // path before any backend work.
    let loaded = catch_unwind(AssertUnwindSafe(|| fresh.try_load_record(record)))
        .map_err(|panic| {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("burn panicked");
            bad(format!("a tensor does not fit the network: {why}"))
        })?
        .map_err(|e| bad(format!("{e:?}")))?;
    // A record of another precision (F64, F16) loads as such and would fail later, mixed
    // with the f32 inputs: refuse it here, by name.
    let found = dtypes(&loaded);
    if let Some(((name, want), (_, got))) = expected.iter().zip(&found).find(|(a, b)| a != b) {
        return Err(bad(format!(
            "tensor `{name}` holds {got:?} values, the network's are {want:?}"
        )));
    }
    Ok(loaded)
}

/// Each parameter's path and dtype, in the module's order.
fn dtypes<M: Module>(module: &M) -> Vec<(String, DType)> {
    let mut visitor = DTypes::default();
    module.visit(&mut visitor);
    visitor.found
}

#[derive(Default)]
struct DTypes {
    path: Vec<String>,
    found: Vec<(String, DType)>,
}

impl DTypes {
    fn record(&mut self, dtype: DType) {
        self.found.push((self.path.join("."), dtype));
    }
}

impl ModuleVisitor for DTypes {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.record(param.val().dtype());
    }

    fn visit_int<const D: usize>(&mut self, param: &Param<Tensor<D, Int>>) {
        self.record(param.val().dtype());
    }

    fn visit_bool<const D: usize>(&mut self, param: &Param<Tensor<D, Bool>>) {
        self.record(param.val().dtype());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ComputeDevice;
    use crate::math::rng::seeded;
    use crate::nn::{DriftNet, DriftNetConfig};

    fn net() -> DriftNet {
        let config = DriftNetConfig {
            hidden: 4,
            depth: 1,
            time_frequencies: 1,
            ..DriftNetConfig::default()
        };
        DriftNet::new(&config, false, &mut seeded(0), &ComputeDevice::cpu().device)
    }

    /// Found by the reader fuzzer (tests/fuzz_readers.rs): a record whose weight claims u32
    /// values (one byte changed, `F32` to `U32`) made burn panic while loading it.
    #[test]
    fn a_tensor_of_the_wrong_kind_is_an_error_naming_the_file() {
        let path = Path::new("net.bpk");
        let bytes = net().into_record().into_bytes().unwrap().to_vec();
        assert!(module_from_bytes(net(), bytes.clone(), path).is_ok());
        let at = bytes
            .windows(4)
            .position(|w| w == b"cF32")
            .expect("a dtype in the record");
        for kind in [b'U', b'I'] {
            let mut wrong = bytes.clone();
            wrong[at + 1] = kind;
            let err = module_from_bytes(net(), wrong, path)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("net.bpk") && err.contains("does not fit"),
                "{err}"
            );
        }
    }
}
