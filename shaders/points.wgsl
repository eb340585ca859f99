// Scatter points as instanced, antialiased discs, drawn by the data view's paint callback
// when there are more points than egui's own plot items draw smoothly (the reference
// posterior's 10^5 samples). One instance per point; six vertices make its quad.

struct View {
    // Data coordinates at the centre of the viewport, and half its extent.
    center: vec2<f32>,
    half_extent: vec2<f32>,
    // Disc radius in normalised device units, per axis.
    radius_ndc: vec2<f32>,
    pad: vec2<f32>,
    // Premultiplied colour.
    color: vec4<f32>,
};

@group(0) @binding(0) var<uniform> view: View;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) local: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) vertex: u32, @location(0) point: vec2<f32>) -> VertexOut {
    var corners = array<vec2<f32>, 6>(
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, -1.0), vec2<f32>(1.0, 1.0),
        vec2<f32>(-1.0, -1.0), vec2<f32>(1.0, 1.0), vec2<f32>(-1.0, 1.0),
    );
    let corner = corners[vertex];
    let ndc = (point - view.center) / view.half_extent;
    var out: VertexOut;
    out.position = vec4<f32>(ndc + corner * view.radius_ndc, 0.0, 1.0);
    out.local = corner;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let r2 = dot(in.local, in.local);
    if (r2 > 1.0) {
        discard;
    }
    let coverage = 1.0 - smoothstep(0.55, 1.0, r2);
    return view.color * coverage;
}
