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
) -> crate::Result<Field> {
    let built = constraint.build(context)?;
    let dim = built.dim();
    let centres = area.cell_centres(n);
    // The other coordinates are 0; a 1-D constraint sees the first coordinate only.
    let points = Points::from_rows(
        dim,
        centres.rows().map(|c| {
            let mut x = vec![0.0f32; dim];
            for (v, &cv) in x.iter_mut().zip(c) {
                *v = cv;
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
