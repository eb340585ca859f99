//! Many scatter points drawn by our own WGSL (`shaders/points.wgsl`) inside egui's render pass.
//! egui_plot tessellates every point on the CPU each frame, which is fine for a few thousand;
//! the reference posterior has 10⁵. Here the points are uploaded once per snapshot into a
//! vertex buffer and drawn as instanced discs; only a 48-byte uniform changes per frame.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui;
use eframe::egui_wgpu::{self, wgpu};

/// The pipeline and, per layer, the uploaded points.
pub struct PointsResources {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    layers: HashMap<&'static str, Layer>,
}

struct Layer {
    /// Identity of the uploaded data (the `Arc`'s address): re-upload when it changes.
    source: usize,
    points: wgpu::Buffer,
    count: u32,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

const UNIFORM_BYTES: u64 = 48;

/// Creates the pipeline in eframe's renderer. Returns false when the app runs without wgpu.
pub fn install(render_state: &egui_wgpu::RenderState) -> bool {
    let device = &render_state.device;
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("points.wgsl"),
        source: wgpu::ShaderSource::Wgsl(include_str!("../../shaders/points.wgsl").into()),
    });
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("points_uniform_layout"),
        entries: &[wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: std::num::NonZeroU64::new(UNIFORM_BYTES),
            },
            count: None,
        }],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("points_pipeline_layout"),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("points_pipeline"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_main"),
            buffers: &[Some(wgpu::VertexBufferLayout {
                array_stride: 8,
                step_mode: wgpu::VertexStepMode::Instance,
                attributes: &wgpu::vertex_attr_array![0 => Float32x2],
            })],
            compilation_options: wgpu::PipelineCompilationOptions::default(),
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some("fs_main"),
            targets: &[Some(wgpu::ColorTargetState {
                format: render_state.target_format,
                blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                write_mask: wgpu::ColorWrites::ALL,
            })],
            compilation_options: wgpu::PipelineCompilationOptions::default(),
        }),
        multiview_mask: None,
        cache: None,
    });
    render_state
        .renderer
        .write()
        .callback_resources
        .insert(PointsResources {
            pipeline,
            layout,
            layers: HashMap::new(),
        });
    true
}

/// One layer of points to draw this frame.
pub struct PointsCallback {
    pub layer: &'static str,
    /// Interleaved x, y in data coordinates.
    pub points: Arc<Vec<f32>>,
    /// Data coordinates of the rectangle the callback covers: (min x, min y), (max x, max y).
    pub bounds: ([f64; 2], [f64; 2]),
    pub radius_px: f32,
    pub viewport_px: [f32; 2],
    pub color: egui::Rgba,
}

fn floats_to_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

impl egui_wgpu::CallbackTrait for PointsCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        let Some(res) = resources.get_mut::<PointsResources>() else {
            return Vec::new();
        };
        let source = Arc::as_ptr(&self.points) as usize;
        let count = (self.points.len() / 2) as u32;
        let stale = res
            .layers
            .get(self.layer)
            .is_none_or(|l| l.source != source);
        if stale && count > 0 {
            let points = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("points"),
                size: (count as u64) * 8,
                usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            queue.write_buffer(
                &points,
                0,
                &floats_to_bytes(&self.points[..count as usize * 2]),
            );
            let uniform = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("points_view"),
                size: UNIFORM_BYTES,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("points_view"),
                layout: &res.layout,
                entries: &[wgpu::BindGroupEntry {
                    binding: 0,
                    resource: uniform.as_entire_binding(),
                }],
            });
            res.layers.insert(
                self.layer,
                Layer {
                    source,
                    points,
                    count,
                    uniform,
                    bind_group,
                },
            );
        }
        if let Some(layer) = res.layers.get(self.layer) {
            let (lo, hi) = self.bounds;
            let c = self.color;
            let uniform = [
                ((lo[0] + hi[0]) / 2.0) as f32,
                ((lo[1] + hi[1]) / 2.0) as f32,
                ((hi[0] - lo[0]) / 2.0) as f32,
                ((hi[1] - lo[1]) / 2.0) as f32,
                2.0 * self.radius_px / self.viewport_px[0].max(1.0),
                2.0 * self.radius_px / self.viewport_px[1].max(1.0),
                0.0,
                0.0,
                c.r(),
                c.g(),
                c.b(),
                c.a(),
            ];
            queue.write_buffer(&layer.uniform, 0, &floats_to_bytes(&uniform));
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        let Some(res) = resources.get::<PointsResources>() else {
            return;
        };
        let Some(layer) = res.layers.get(self.layer) else {
            return;
        };
        pass.set_pipeline(&res.pipeline);
        pass.set_bind_group(0, &layer.bind_group, &[]);
        pass.set_vertex_buffer(0, layer.points.slice(..));
        pass.draw(0..6, 0..layer.count);
    }
}
