//! The inpainting observation editor: the test image on its mask, painted with a brush that adds
//! pixels to the mask, takes them out, or draws values that become observed pixels. The edits
//! live in `constraint.inpaint` (`observe`, `hide`, `strokes`), so they are saved with the
//! experiment, and the sampler re-targets once the brush rests.

use eframe::egui;

use crate::app::StudioApp;
use crate::app::pixel_brush::PixelMode;
use crate::constraint::inpaint::{Inpainting, PixelEdit};

/// Screen points per image pixel, at most.
const CELL: f32 = 14.0;

pub fn editor(app: &mut StudioApp, ui: &mut egui::Ui, observation: &Inpainting) {
    let (width, height) = (observation.width, observation.height);
    let config = &app.config.constraint.inpaint;
    let (y, mask) = config
        .apply_edits(&observation.test_image, &observation.shape_mask)
        .unwrap_or_else(|_| {
            (
                observation.test_image.to_vec(),
                observation.shape_mask.to_vec(),
            )
        });
    if y.len() != width * height {
        return;
    }
    let available = ui.available_width();
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.strong("Observation y on the mask M");
            let cell = CELL.min(0.55 * available / width as f32).max(4.0);
            let size = egui::vec2(cell * width as f32, cell * height as f32);
            let (response, painter) = ui.allocate_painter(size, egui::Sense::click_and_drag());
            let rect = response.rect;
            for (i, (&v, &observed)) in y.iter().zip(&mask).enumerate() {
                let grey = (v.clamp(0.0, 1.0) * 255.0) as u8;
                // Hidden pixels, which the sampler fills, are dimmed and tinted blue.
                let colour = if observed {
                    egui::Color32::from_gray(grey)
                } else {
                    let g = grey / 4;
                    egui::Color32::from_rgb(g, g, g.saturating_add(70))
                };
                let corner =
                    rect.min + egui::vec2((i % width) as f32 * cell, (i / width) as f32 * cell);
                painter.rect_filled(
                    egui::Rect::from_min_size(corner, egui::vec2(cell, cell)),
                    0.0,
                    colour,
                );
            }
            response.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Canvas, true, "observation canvas")
            });
            let _ = response.clone().on_hover_text(
                "paint with the brush: observe, hide, or draw ink that becomes observed pixels",
            );
            // Frames can be slow (software rendering): a stroke follows every pointer event of
            // the frame and joins them, and the last frame's pixel, by straight segments.
            let last_id = response.id.with("last pixel");
            let active = response.is_pointer_button_down_on()
                || response.dragged()
                || response.drag_stopped()
                || response.clicked();
            if active {
                let mut positions: Vec<egui::Pos2> = ui.input(|i| {
                    i.events
                        .iter()
                        .filter_map(|e| match e {
                            egui::Event::PointerMoved(p) => Some(*p),
                            egui::Event::PointerButton { pos, .. } => Some(*pos),
                            _ => None,
                        })
                        .collect()
                });
                positions.extend(response.interact_pointer_pos());
                let pixel = |p: egui::Pos2| {
                    rect.contains(p).then(|| {
                        (
                            ((p.y - rect.min.y) / cell) as usize,
                            ((p.x - rect.min.x) / cell) as usize,
                        )
                    })
                };
                let mut last = ui.data(|d| d.get_temp::<(usize, usize)>(last_id));
                let mut changed = false;
                for here in positions.into_iter().filter_map(pixel) {
                    for p in segment(last.unwrap_or(here), here) {
                        changed |= paint(app, p, (width, height));
                    }
                    last = Some(here);
                }
                match last {
                    Some(l) if !response.drag_stopped() && !response.clicked() => {
                        ui.data_mut(|d| d.insert_temp(last_id, l));
                    }
                    _ => {
                        ui.data_mut(|d| d.remove::<(usize, usize)>(last_id));
                    }
                }
                if changed {
                    app.constraint_changed();
                }
            } else {
                ui.data_mut(|d| d.remove::<(usize, usize)>(last_id));
            }
        });
        ui.vertical(|ui| brush_controls(app, ui));
    });
    ui.label(format!(
        "{} of {} pixels observed · test image {} ({}) · s = {}",
        mask.iter().filter(|&&m| m).count(),
        mask.len(),
        app.config.constraint.inpaint.image_index,
        observation.label,
        observation.noise_std
    ));
}

fn brush_controls(app: &mut StudioApp, ui: &mut egui::Ui) {
    ui.strong("Brush");
    let brush = &mut app.view.pixel_brush;
    for (mode, label, hint) in [
        (
            PixelMode::Hide,
            "hide",
            "take pixels out of the mask: the sampler fills them",
        ),
        (
            PixelMode::Observe,
            "observe",
            "add pixels to the mask: they observe the test image",
        ),
        (
            PixelMode::Draw,
            "draw",
            "draw ink: the drawn value is observed there",
        ),
    ] {
        ui.radio_value(&mut brush.mode, mode, label)
            .on_hover_text(hint);
    }
    if brush.mode == PixelMode::Draw {
        ui.add(egui::Slider::new(&mut brush.ink, 0.0..=1.0).text("ink"));
    }
    ui.horizontal(|ui| {
        ui.label("size");
        ui.selectable_value(&mut brush.radius, 0, "1 px");
        ui.selectable_value(&mut brush.radius, 1, "3×3");
    });
    let has_edits = app.config.constraint.inpaint.has_edits();
    if ui
        .add_enabled(has_edits, egui::Button::new("Clear painting"))
        .on_hover_text("back to the mask shape and the test image")
        .clicked()
    {
        app.config.constraint.inpaint.clear_edits();
        app.constraint_changed();
    }
}

/// Applies the brush around pixel (row, column); whether anything changed.
fn paint(app: &mut StudioApp, (r, c): (usize, usize), (width, height): (usize, usize)) -> bool {
    let brush = app.view.pixel_brush;
    let edit = match brush.mode {
        PixelMode::Observe => PixelEdit::Observe,
        PixelMode::Hide => PixelEdit::Hide,
        PixelMode::Draw => PixelEdit::Draw(brush.ink),
    };
    let reach = brush.radius as isize;
    let config = &mut app.config.constraint.inpaint;
    let mut changed = false;
    for dr in -reach..=reach {
        for dc in -reach..=reach {
            let (rr, cc) = (r as isize + dr, c as isize + dc);
            if (0..height as isize).contains(&rr) && (0..width as isize).contains(&cc) {
                changed |= config.edit(rr as usize * width + cc as usize, edit);
            }
        }
    }
    changed
}

/// The pixels from `a` to `b` (row, column), both included, one step at a time.
fn segment(a: (usize, usize), b: (usize, usize)) -> Vec<(usize, usize)> {
    let (dr, dc) = (b.0 as f32 - a.0 as f32, b.1 as f32 - a.1 as f32);
    let steps = dr.abs().max(dc.abs()).ceil() as usize;
    (0..=steps)
        .map(|k| {
            let t = if steps == 0 {
                0.0
            } else {
                k as f32 / steps as f32
            };
            (
                (a.0 as f32 + t * dr).round() as usize,
                (a.1 as f32 + t * dc).round() as usize,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn a_fast_stroke_paints_every_pixel_between_two_frames() {
        assert_eq!(
            segment((2, 1), (2, 4)),
            vec![(2, 1), (2, 2), (2, 3), (2, 4)]
        );
        assert_eq!(segment((0, 0), (2, 2)), vec![(0, 0), (1, 1), (2, 2)]);
        assert_eq!(segment((3, 3), (3, 3)), vec![(3, 3)]);
        assert_eq!(segment((4, 0), (0, 1)).len(), 5);
    }
}
