//! log r of a constraint on the cells of a plane region, for the data view's heatmap.

use super::{BuildContext, ConstraintConfig};
use crate::math::Points;
use crate::math::field::{Area, Field};

/// log r·β of `constraint` on an n×n grid over `area` (the first two coordinates; other
/// coordinates are 0). Errors are the constraint's own messages.
pub fn log_r_field(
    constraint: &ConstraintConfig,
    context: &BuildContext,
    area: Area,
    n: usize,
) -> crate::error::Result<Field> {
    log_r_slice(constraint, context, area, n, [0, 1], &[])
}

/// log r·β on the 2-D slice through `through` (zeros where it is short) in which coordinates
/// `axes` vary over `area`: for d > 2, the conditional of the target on the view's plane. The
/// plane is in data space, so a warped energy target is evaluated without its warp.
pub fn log_r_slice(
    constraint: &ConstraintConfig,
    context: &BuildContext,
    area: Area,
    n: usize,
    axes: [usize; 2],
    through: &[f32],
) -> crate::error::Result<Field> {
    let mut unwarped = constraint.clone();
    unwarped.energy.warp = 0.0;
    let built = unwarped.build(context)?;
    let dim = built.dim();
    let centres = area.cell_centres(n);
    // A 1-D constraint sees the first axis only.
    let points = Points::from_rows(
        dim,
        centres.rows().map(|c| {
            let mut x: Vec<f32> = (0..dim)
                .map(|i| through.get(i).copied().unwrap_or(0.0))
                .collect();
            for (&axis, &cv) in axes.iter().zip(c) {
                if axis < dim {
                    x[axis] = cv;
                }
            }
            x
        }),
    );
    let values = built
        .log_r_batch(&points)
        .into_iter()
        .map(|v| constraint.beta * v)
        .collect();
    Ok(Field { n, area, values })
}
