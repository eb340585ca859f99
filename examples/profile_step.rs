#[global_allocator]
static A: mimalloc::MiMalloc = mimalloc::MiMalloc;
use burn::module::Module;
use burn::tensor::{Tensor, TensorData};
use posterior_studio::backend::{self, BackendChoice};
use posterior_studio::math::rng::seeded;
use posterior_studio::sampler::SamplerNet;
use posterior_studio::sampler::network::{DriftNetConfig, time_grid_features};
use std::time::Instant;

fn main() {
    let compute = backend::select(BackendChoice::Cpu);
    let dev = compute.device.clone();
    let ad = compute.autodiff();
    let cfg = DriftNetConfig::default();
    let net = SamplerNet::new(&cfg, false, &mut seeded(0), &ad);
    let feats = time_grid_features(100, 16, &dev);
    let valid = net.valid();
    let time = valid.time(feats.clone());
    let x = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 600], [300, 2]), &dev);
    // warm
    for _ in 0..3 {
        let _ = valid.control_step(x.clone(), &time, 3, None).into_data();
    }
    let t = Instant::now();
    let n = 200;
    let mut y = x.clone();
    for k in 0..n {
        y = y + valid.control_step(x.clone(), &time, k % 100, None) * 0.01;
    }
    let _ = y.into_data();
    println!(
        "control_step batch 300: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let a = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 300 * 64], [300, 64]), &dev);
    let w = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 64 * 64], [64, 64]), &dev);
    let t = Instant::now();
    for _ in 0..n {
        let _ = a.clone().matmul(w.clone());
    }
    println!(
        "matmul 300x64x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = a.clone() + a.clone();
    }
    println!(
        "add 300x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = burn::tensor::activation::silu(a.clone());
    }
    println!(
        "silu 300x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = burn::tensor::activation::relu(a.clone());
    }
    println!(
        "relu 300x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = burn::tensor::activation::gelu(a.clone());
    }
    println!(
        "gelu 300x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = a.clone().tanh();
    }
    println!(
        "tanh 300x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = a.clone() * (a.clone().clamp(-3.0, 3.0) * (1.0 / 6.0) + 0.5);
    }
    println!(
        "hardswish 300x64: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let small = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 600], [300, 2]), &dev);
    let t = Instant::now();
    for _ in 0..n {
        let _ = small.clone() * 0.5;
    }
    println!(
        "scalar mul 300x2: {:.1} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    // grid pass
    let big = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 30000 * 2], [30000, 2]), &dev);

    for _ in 0..3 {
        let t = Instant::now();
        let tad = net.time(feats.clone().autodiff());
        let v = net.control_grid(big.clone(), &tad, None);
        let loss = v.powi_scalar(2).sum();
        let _ = loss.clone().into_data();
        println!(
            "grid forward 30000: {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        let t = Instant::now();
        let g = loss.backward();
        let _ = burn::optim::GradientsParams::from_grads(g, &net);
        println!("grid backward: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    for _ in 0..3 {
        let t = Instant::now();
        let tad = net.time(feats.clone().autodiff());
        let mut x = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 600], [300, 2]), &ad);
        let mut dl = Tensor::<2>::zeros([300, 1], &ad);
        for k in 0..100 {
            let v = net.control_step(x.clone(), &tad, k, None);
            let e = v.clone().detach() * 0.01 + x.clone() * 0.01;
            dl = dl + (e.clone() * v.clone()).sum_dim(1) - v.powi_scalar(2).sum_dim(1) * 0.005;
            x = (x + e).detach();
        }
        let loss = dl.powi_scalar(2).mean();
        let _ = loss.clone().into_data();
        let f = t.elapsed().as_secs_f64() * 1e3;
        let g = loss.backward();
        let _ = burn::optim::GradientsParams::from_grads(g, &net);
        println!(
            "tracked sim fwd {f:.1} ms, total {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    let w2 = Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 30000 * 64], [30000, 64]), &dev);
    for _ in 0..3 {
        let t = Instant::now();
        let _ = w2.clone().matmul(w.clone()).into_data();
        println!(
            "matmul 30000x64x64: {:.1} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
        let t = Instant::now();
        let _ = (w2.clone() + w2.clone()).into_data();
        println!("add 30000x64: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let _ = burn::tensor::activation::relu(w2.clone() * 1.0).into_data();
        println!("relu 30000x64: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let r = w2.clone().reshape([100, 300, 64])
            + Tensor::<2>::from_data(TensorData::new(vec![0.1f32; 100 * 64], [100, 64]), &dev)
                .unsqueeze_dim::<3>(1);
        let _ = r.reshape([30000, 64]).into_data();
        println!("broadcast add: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    }
}
