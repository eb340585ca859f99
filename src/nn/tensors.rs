//! Moving points between the host and a device: the one place where tensors become `Points`
//! and back.

use burn::tensor::{Device, Tensor, TensorData};

use crate::math::Points;

/// Uploads host points as an N × d tensor.
pub fn points_to_tensor(points: &Points, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(points.as_slice().to_vec(), [points.len(), points.dim()]),
        device,
    )
}

/// Reads a B × d tensor back to the host.
pub fn tensor_to_points(tensor: Tensor<2>) -> Points {
    let [_, d] = tensor.dims();
    let data = tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default();
    Points::new(d, data).unwrap_or_else(|_| Points::zeros(0, d))
}

/// Reads a 1-D tensor back to the host as f64.
pub fn tensor_to_vec(tensor: Tensor<1>) -> Vec<f64> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
        .into_iter()
        .map(f64::from)
        .collect()
}
