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

/// Reads a B × d tensor back to the host. A readback that fails (it should not: the data is
/// converted to f32 first) is logged and comes back as NaN rows of the right shape, so that
/// the metrics count those samples as non-finite (`dropped`, with a warning) instead of
/// silently getting none.
pub fn tensor_to_points(tensor: Tensor<2>) -> Points {
    let [rows, d] = tensor.dims();
    let data = tensor.into_data().convert::<f32>().try_into_vec::<f32>();
    match data
        .map_err(|e| format!("{e:?}"))
        .and_then(|v| Points::new(d.max(1), v).map_err(|e| e.to_string()))
    {
        Ok(points) => points,
        Err(e) => {
            log::error!("reading {rows} × {d} values back from the device failed: {e}");
            Points::new(d.max(1), vec![f32::NAN; rows * d.max(1)])
                .unwrap_or_else(|_| Points::zeros(0, d.max(1)))
        }
    }
}

/// Reads a 1-D tensor back to the host as f64; a failed readback is logged and comes back as
/// NaN values of the right length (see [`tensor_to_points`]).
pub fn tensor_to_vec(tensor: Tensor<1>) -> Vec<f64> {
    let [n] = tensor.dims();
    match tensor.into_data().convert::<f32>().try_into_vec::<f32>() {
        Ok(values) => values.into_iter().map(f64::from).collect(),
        Err(e) => {
            log::error!("reading {n} values back from the device failed: {e:?}");
            vec![f64::NAN; n]
        }
    }
}
