// The virtual board (`-M virt`): RAM and devices on a bus, 1 to 8 vCPUs
// sharing one execution engine, and the loaded guest, described to
// the guest by a device tree. It boots Linux (UHI boot protocol: a0 = -2,
// a1 = DTB) and runs bare-metal programs that use UHI semihosting.
// vCPUs run interleaved on one host thread, in fixed quanta of guest
// instructions, so a run is deterministic whatever their number.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hv/board/bus.h"
#include "hv/board/cpu_intc.h"
#include "hv/board/host_console.h"
#include "hv/board/memory_map.h"
#include "hv/cli/options.h"
#include "hv/cpu/cpu.h"
#include "hv/cpu/stop_request.h"
#include "hv/dev/cps/cm.h"
#include "hv/dev/cps/cpc.h"
#include "hv/dev/cps/gic.h"
#include "hv/dev/goldfish_rtc.h"
#include "hv/dev/semihosting.h"
#include "hv/dev/syscon.h"
#include "hv/dev/uart16550.h"
#include "hv/dev/virtio/mmio_transport.h"
#include "hv/dev/virtio/net.h"
#include "hv/net/pcap_writer.h"
#include "hv/net/slirp_backend.h"
#include "hv/engine/engine.h"
#include "hv/loader/elf_image.h"
#include "hv/vmm/hypervisor.h"

namespace mipshv {

// (The records' Protobuf classes: only machine.cpp and its callers that
// read a record include them.)
namespace stats {
class RunRecord;
class DeviceRecord;
class CostModelProfile;
}  // namespace stats

// One vCPU of the board: its architectural state (with its own TLB and
// software TLB) and its place in the turn loop. The vCPUs share guest
// memory, the devices and the execution engine, whose translated code
// serves them all (translated code reaches vCPU state only through the Cpu
// it is entered with).
struct Vcpu {
    std::unique_ptr<Cpu> cpu;
    bool powered = false;  // out of reset and not powered down
    bool waiting = false;  // in WAIT: runs again once an interrupt is pending
    bool reset_pending = false;  // reset itself through the CPC: restarts when its engine returns
    uint64_t quantum_left = 0;   // of its turn, when the caller's budget cut it short
};

class Machine {
public:
    // Loads opts.kernel when given; without one, the caller places code in
    // RAM and sets the PC itself (tests, benchmarks).
    // `console`: where the serial console goes; by default the one opts.serial names.
    explicit Machine(const Options& opts, std::unique_ptr<ConsoleBackend> console = nullptr);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    // Runs until the guest exits, stops, or `budget` instructions (0: none)
    // retired by all vCPUs together.
    StopReason run(uint64_t budget = 0);
    // A caller that watches the console between runs (the Python module)
    // wants run() back after every idle period spent waiting on the host
    // (a network card, --clock host, an interactive console): such a wait
    // lasts host time, and a budget of instructions would make it wait for
    // many in a row. run() then returns StopReason::IDLE; the next call
    // goes on. Idle periods that skip guest time are not waits.
    void return_after_host_waits(bool on) { return_after_host_waits_ = on; }
    // Stops the run in progress, or the next one, at the next block
    // boundary: run() returns `why` (INTERRUPTED or TIMEOUT) and the
    // machine stays usable. Any thread may call it, and a signal handler.
    void request_stop(StopReason why = StopReason::INTERRUPTED) noexcept;
    // Takes back a request that no run has honoured yet.
    void withdraw_stop() noexcept { stop_request_.take(); }
    // Why the last run stopped, and the guest's exit status then (the vCPU
    // that stopped it: semihosting exit, power-off, halt).
    StopReason stop_reason() const { return stop_reason_; }
    int exit_code() const { return cpu(stopped_).exit_code; }
    Cpu& cpu(unsigned n = 0) { return *vcpus_[n].cpu; }
    const Cpu& cpu(unsigned n = 0) const { return *vcpus_[n].cpu; }
    unsigned vcpu_count() const { return unsigned(vcpus_.size()); }
    ConsoleBackend& console() { return *console_; }
    Bus& bus() { return bus_; }
    const ElfImage& kernel() const { return kernel_; }
    Hypervisor* hypervisor() { return hypervisor_.get(); }
    const std::vector<uint8_t>& device_tree() const { return dtb_; }
    // A human-readable report of where and why the machine stopped.
    std::string stop_report() const;
    // Configuration, artifacts, host and every counter of this run.
    stats::RunRecord run_record(double wall_seconds) const;

private:
    void load_kernel(const std::string& path);
    void place_initrd(const std::string& path, const std::vector<uint8_t>& data, uint64_t start);
    uint64_t machine_time_ns() const;
    uint64_t now_ticks() const;
    void set_now(uint64_t ticks);
    uint64_t ns_to_ticks(uint64_t ns) const;
    uint64_t host_ticks() const;  // host time since start, in guest clock cycles
    StopReason run_rounds(uint64_t budget);
    StopReason budget_spent(uint64_t limit);
    bool idle();  // true when it waited on the host
    bool woken(const Cpu& c) const;
    void stop_machine(StopReason why, int exit_code);
    std::function<void(bool)> irq_source(const memory_map::DeviceSlot& slot);
    void attach_cps();
    void cps_core_reset(Cpu& c);
    void power_up(unsigned core);
    void power_down(unsigned core);
    void fill_gic_record(stats::DeviceRecord& d) const;
    uint64_t instructions() const;  // retired by all vCPUs
    void deliver_console_input();
    void poll_devices();
    void attach_drives();
    void attach_nics();
    void plug_virtio(std::unique_ptr<virtio::VirtioDevice> device);
    void poll_network(int timeout_ms, int wake_fd = -1);

    Options opts_;
    std::unique_ptr<stats::CostModelProfile> cost_model_;  // --cost-model
    std::optional<EventPrices> modelled_time_;           // --timing: its prices, in ticks
    bool return_after_host_waits_ = false;
    StopRequest stop_request_;
    ExecMode mode_;
    uint64_t hypervisor_region_;  // physical base of the hypervisor's region
    Bus bus_;
    std::unique_ptr<ExecutionEngine> engine_;  // runs every vCPU, in turn
    std::vector<Vcpu> vcpus_;  // [0] is the boot CPU
    CpuIntc intc_;            // one vCPU: devices drive its lines
    std::unique_ptr<Gic> gic_;  // several: a Coherent Processing System
    std::unique_ptr<Cm> cm_;
    std::unique_ptr<Cpc> cpc_;
    std::unique_ptr<ConsoleBackend> console_;
    Uart16550 uart_;
    GoldfishRtc rtc_;
    Syscon syscon_;
    std::vector<std::unique_ptr<virtio::MmioTransport>> virtio_;  // slot n holds virtio_[n]
    std::unique_ptr<PcapWriter> pcap_;
    std::vector<std::unique_ptr<SlirpBackend>> networks_;  // one per card, in card order
    std::unique_ptr<Semihosting> semihosting_;
    ElfImage kernel_;
    std::unique_ptr<Hypervisor> hypervisor_;  // hypervisor modes only
    std::vector<uint8_t> dtb_;
    // What the board loaded from host files, hashed as it was read (the
    // RunRecord's artifacts: never read again, the path may have changed).
    struct LoadedFile {
        std::string role, path, sha256;
    };
    std::vector<LoadedFile> loaded_;
    std::FILE* trace_ = nullptr;
    unsigned running_ = 0;  // the vCPU whose engine is running (or ran last)
    uint64_t now_ = 0;      // the machine's clock between quanta (several vCPUs)
    unsigned cursor_ = 0;   // whose turn it is
    uint64_t overshoot_ = 0;  // instructions the last run retired past its budget
    bool in_turn_ = false;  // an engine is running vCPU running_
    StopReason machine_stop_ = StopReason::NONE;
    StopReason stop_reason_ = StopReason::NONE;
    unsigned stopped_ = 0;  // the vCPU that stopped the last run
    uint64_t host_start_ns_ = 0;  // --clock host: host time of tick 0
};

}  // namespace mipshv
