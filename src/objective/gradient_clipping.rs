//! The global gradient norm over all parameters, and clipping by it (as
//! `torch.nn.utils.clip_grad_norm_` does), rather than burn's per-tensor clipping.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

struct SquaredNorms<'a> {
    grads: &'a GradientsParams,
    parts: Vec<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorms<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.get::<D>(param.id) {
            self.parts.push(grad.powi_scalar(2).sum());
        }
    }
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: f32,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, grad * self.factor);
        }
    }
}

/// ‖∇‖₂ over every parameter of `module` that has a gradient.
pub fn global_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    let mut visitor = SquaredNorms {
        grads,
        parts: Vec::new(),
    };
    module.visit(&mut visitor);
    if visitor.parts.is_empty() {
        return 0.0;
    }
    let total: f32 = Tensor::cat(visitor.parts, 0).sum().into_scalar();
    (total as f64).sqrt()
}

/// Scales all gradients so that their global norm is at most `max_norm`.
pub fn clip_global_norm<M: Module>(
    module: &M,
    grads: &mut GradientsParams,
    norm: f64,
    max_norm: f64,
) {
    if norm <= max_norm || norm == 0.0 {
        return;
    }
    let mut visitor = Scale {
        grads,
        factor: (max_norm / norm) as f32,
    };
    module.visit(&mut visitor);
}

struct ParameterSums {
    parts: Vec<Tensor<1>>,
}

impl ModuleVisitor for ParameterSums {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.parts.push(param.val().powi_scalar(2).sum());
    }
}

/// Whether the squared norm of all parameters of `module` is finite. An update with a huge step
/// can leave weights so large (|w| beyond ~1e19) that the next forward pass overflows while the
/// loss that produced them was finite; this catches that in one sync.
pub fn parameters_finite<M: Module>(module: &M) -> bool {
    let mut visitor = ParameterSums { parts: Vec::new() };
    module.visit(&mut visitor);
    if visitor.parts.is_empty() {
        return true;
    }
    let total: f32 = Tensor::cat(visitor.parts, 0).sum().into_scalar();
    total.is_finite()
}
