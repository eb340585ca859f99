//! Choosing where tensors live, at run time: a hardware GPU through burn's wgpu backend, or
//! burn's CPU backend (flex). A missing or broken GPU driver never panics: the choice falls
//! back to the CPU and says why.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use std::sync::Mutex;

use burn::tensor::wgpu::{WgpuBackend, WgpuSetup, wgpu};
use burn::tensor::{Device, DeviceKind};
use serde::{Deserialize, Serialize};

/// What the user asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// A hardware GPU when one exists, the CPU otherwise.
    #[default]
    Auto,
    /// The GPU backend, also on a software (CPU) Vulkan adapter such as lavapipe; the CPU when
    /// no adapter exists at all.
    Gpu,
    /// burn's CPU backend.
    Cpu,
}

impl FromStr for BackendChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "gpu" => Ok(Self::Gpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(format!("unknown backend `{other}` (auto, gpu, cpu)")),
        }
    }
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Gpu => "gpu",
            Self::Cpu => "cpu",
        })
    }
}

/// A wgpu adapter as the user should see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub software: bool,
}

/// The device chosen, and how to describe it.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// Tensors without gradient tracking (simulation, evaluation).
    pub device: Device,
    pub adapter: Option<AdapterSummary>,
    /// Why the choice differs from what was asked, if it does.
    pub fallback_reason: Option<String>,
    /// The wgpu instance, adapter, device and queue burn runs on, for a renderer that should
    /// draw on the same device instead of opening a second one.
    pub wgpu_setup: Option<WgpuSetup>,
}

impl ComputeDevice {
    pub fn cpu() -> Self {
        Self {
            device: Device::flex(),
            adapter: None,
            fallback_reason: None,
            wgpu_setup: None,
        }
    }

    /// The same device with gradient tracking, for training.
    pub fn autodiff(&self) -> Device {
        self.device.clone().autodiff()
    }

    pub fn is_gpu(&self) -> bool {
        self.adapter.is_some()
    }

    /// One line for logs and the status bar.
    pub fn describe(&self) -> String {
        match &self.adapter {
            Some(a) if a.software => {
                format!("GPU backend (wgpu {} on {}, software)", a.backend, a.name)
            }
            Some(a) => format!("GPU backend (wgpu {} on {})", a.backend, a.name),
            None => {
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                let threads = std::env::var("RAYON_NUM_THREADS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(threads);
                let plural = if threads == 1 { "" } else { "s" };
                format!("CPU backend (burn flex, {threads} thread{plural})")
            }
        }
    }
}

/// Graphics APIs that burn's wgpu backend runs reliably on. OpenGL is left out: on llvmpipe
/// it panicked inside wgpu-hal instead of returning an error.
fn gpu_apis() -> [(wgpu::Backends, wgpu::Backend, WgpuBackend); 3] {
    [
        (
            wgpu::Backends::VULKAN,
            wgpu::Backend::Vulkan,
            WgpuBackend::Vulkan,
        ),
        (
            wgpu::Backends::METAL,
            wgpu::Backend::Metal,
            WgpuBackend::Metal,
        ),
        (wgpu::Backends::DX12, wgpu::Backend::Dx12, WgpuBackend::Dx12),
    ]
}

/// Every adapter on the supported graphics APIs.
pub fn list_adapters() -> Vec<wgpu::AdapterInfo> {
    let found = catch_unwind(|| {
        let mut infos = Vec::new();
        for (backends, _, _) in gpu_apis() {
            let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
                backends,
                ..wgpu::InstanceDescriptor::new_without_display_handle()
            });
            for adapter in pollster::block_on(instance.enumerate_adapters(backends)) {
                infos.push(adapter.get_info());
            }
        }
        infos
    });
    found.unwrap_or_default()
}

fn device_kind_of(info: &wgpu::AdapterInfo, index_among_kind: usize) -> DeviceKind {
    match info.device_type {
        wgpu::DeviceType::DiscreteGpu => DeviceKind::DiscreteGpu(index_among_kind),
        wgpu::DeviceType::IntegratedGpu => DeviceKind::IntegratedGpu(index_among_kind),
        wgpu::DeviceType::VirtualGpu => DeviceKind::VirtualGpu(index_among_kind),
        wgpu::DeviceType::Cpu => DeviceKind::Cpu,
        wgpu::DeviceType::Other => DeviceKind::DefaultDevice,
    }
}

/// Brings up burn's wgpu runtime on one adapter.
fn init_wgpu(info: &wgpu::AdapterInfo, index_among_kind: usize) -> Result<ComputeDevice, String> {
    let api = gpu_apis()
        .into_iter()
        .find(|(_, backend, _)| *backend == info.backend)
        .map(|(_, _, api)| api)
        .ok_or_else(|| format!("graphics API {:?} is not supported", info.backend))?;
    let kind = device_kind_of(info, index_among_kind);
    let result = catch_unwind(AssertUnwindSafe(|| {
        Device::wgpu_options()
            .device_kind(kind)
            .graphics_api(api)
            .init_with_setup()
    }));
    match result {
        Ok(Ok((device, setup))) => {
            let info = setup.adapter.get_info();
            Ok(ComputeDevice {
                device,
                adapter: Some(AdapterSummary {
                    name: info.name.clone(),
                    backend: format!("{:?}", info.backend),
                    software: info.device_type == wgpu::DeviceType::Cpu,
                }),
                fallback_reason: None,
                wgpu_setup: Some(setup),
            })
        }
        Ok(Err(e)) => Err(format!("{} ({:?}): {e}", info.name, info.backend)),
        Err(_) => Err(format!(
            "{} ({:?}): the driver panicked",
            info.name, info.backend
        )),
    }
}

/// Picks the device for `choice`. Never fails: when the GPU cannot be used, returns the CPU
/// device with `fallback_reason` set. The answer is kept for the life of the process, since
/// burn's wgpu runtime can be brought up only once per adapter: choices that land on the same
/// adapter (`auto` and `gpu` on a machine with a hardware GPU) get the same device.
pub fn select(choice: BackendChoice) -> ComputeDevice {
    static CHOSEN: Mutex<Vec<(BackendChoice, ComputeDevice)>> = Mutex::new(Vec::new());
    let mut chosen = CHOSEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, device)) = chosen.iter().find(|(c, _)| *c == choice) {
        return device.clone();
    }
    let device = select_uncached(choice, &chosen);
    chosen.push((choice, device.clone()));
    device
}

fn select_uncached(
    choice: BackendChoice,
    chosen: &[(BackendChoice, ComputeDevice)],
) -> ComputeDevice {
    if choice == BackendChoice::Cpu {
        return ComputeDevice::cpu();
    }
    let adapters = list_adapters();
    let is_hardware = |a: &wgpu::AdapterInfo| a.device_type != wgpu::DeviceType::Cpu;
    let candidate = adapters
        .iter()
        .position(is_hardware)
        .or_else(|| (choice == BackendChoice::Gpu).then(|| (!adapters.is_empty()).then_some(0))?);
    let Some(index) = candidate else {
        let mut cpu = ComputeDevice::cpu();
        if choice == BackendChoice::Gpu {
            cpu.fallback_reason =
                Some("no Vulkan, Metal or DX12 adapter found; using the CPU backend".into());
        } else if !adapters.is_empty() {
            cpu.fallback_reason = None; // only software adapters: the CPU backend is faster
        }
        return cpu;
    };
    let info = &adapters[index];
    let already_up = chosen.iter().map(|(_, d)| d).find(|d| {
        d.wgpu_setup.as_ref().is_some_and(|s| {
            let up = s.adapter.get_info();
            up.name == info.name && up.backend == info.backend && up.device == info.device
        })
    });
    if let Some(device) = already_up {
        return device.clone();
    }
    let same_kind_before = adapters[..index]
        .iter()
        .filter(|a| a.device_type == info.device_type && a.backend == info.backend)
        .count();
    match init_wgpu(info, same_kind_before) {
        Ok(device) => device,
        Err(reason) => {
            let mut cpu = ComputeDevice::cpu();
            cpu.fallback_reason = Some(format!("GPU unavailable: {reason}; using the CPU backend"));
            cpu
        }
    }
}
