//! Neural-network building blocks shared by priors and samplers: the drift network, host-seeded
//! dense layers, and the host ↔ device transfer of points. Nothing here knows what a prior or a
//! sampler is.

pub mod drift_net;
pub mod tensors;

pub use drift_net::{
    Activation, DriftNet, DriftNetConfig, dense_layers, time_features, time_grid_features,
};
pub use tensors::{points_to_tensor, tensor_to_points, tensor_to_vec};
