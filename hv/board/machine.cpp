#include "hv/board/machine.h"

#include <algorithm>
#include <chrono>
#include <poll.h>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <utility>

#include "hv/board/board_layout.h"
#include "hv/board/device_tree.h"
#include "hv/board/memory_map.h"
#include "hv/common/error.h"
#include "hv/common/host_file.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/segments.h"
#include "hv/dev/virtio/block.h"
#include "hv/isa/disasm.h"
#include "hv/stats/cost_model.h"
#include "hv/stats/run_record.h"

namespace mipshv {

namespace {
using namespace memory_map;

constexpr uint64_t kPageSize = 4096;

std::string hex(uint64_t v) { return (std::ostringstream() << "0x" << std::hex << v).str(); }

std::vector<std::string> semihosting_argv(const Options& o) {
    std::vector<std::string> argv{o.kernel};
    std::istringstream words(o.append);
    for (std::string w; words >> w;) argv.push_back(w);
    return argv;
}

uint64_t host_wall_clock_ns() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count());
}

uint64_t host_monotonic_ns() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch()).count());
}

uint64_t rtc_base_ns(const Options& o) {
    return o.rtc_base_s < 0 ? host_wall_clock_ns() : uint64_t(o.rtc_base_s) * 1'000'000'000u;
}

ExecMode mode_of(const Options& o) {
    auto m = parse_exec_mode(o.mode);
    if (!m) throw Error("mipshv: unknown mode '" + o.mode + "' (valid: " + exec_mode_list() + ")");
    return *m;
}

// The machine looks at the console (and, with --clock host, the host clock)
// at least this often even when the guest never idles, so Ctrl-C reaches a
// busy shell and host-clock timers fire on time.
constexpr uint64_t kSliceInsns = 10'000'000, kHostClockSliceInsns = 1'000'000;
// With a network card, host sockets and slirp's TCP timers (its fast timer
// is 2 ms) are serviced every 2 ms of guest time.
constexpr uint64_t kNetworkSliceInsns = 200'000;

// The vCPUs; only the boot CPU is powered at reset. Hypervisor modes keep
// each vCPU's virtual CP0 in its communication page.
std::vector<Vcpu> make_vcpus(const Options& o, ExecMode mode, Bus& bus, uint64_t hypervisor_region) {
    if (o.smp < 1 || o.smp > kMaxVcpus || o.quantum == 0)
        throw Error("mipshv: -smp " + std::to_string(o.smp) + " --quantum " + std::to_string(o.quantum) +
                    ": 1 to " + std::to_string(kMaxVcpus) + " vCPUs and a quantum of at least 1 instruction");
    std::vector<Vcpu> vcpus(o.smp);
    for (unsigned n = 0; n < o.smp; ++n) {
        Cp0State* cp0 = mode == ExecMode::BARE_METAL ? nullptr : &Hypervisor::virtual_cp0_storage(bus, hypervisor_region, n);
        vcpus[n].cpu = std::make_unique<Cpu>(cp0);
        vcpus[n].cpu->id = n;
    }
    vcpus[0].powered = true;
    return vcpus;
}
}  // namespace

Machine::Machine(const Options& opts, std::unique_ptr<ConsoleBackend> console)
    : opts_(opts),
      mode_(mode_of(opts)),
      hypervisor_region_(hypervisor_region_of(opts.memory_bytes)),
      bus_(opts.memory_bytes, kRamLowWindow, kRamHighBase),
      engine_(make_engine(opts.engine, bus_, opts.code_cache_bytes)),
      vcpus_(make_vcpus(opts, mode_, bus_, hypervisor_region_)),
      intc_(cpu()),
      gic_(opts.smp > 1 ? std::make_unique<Gic>(
                              opts.smp, [this](unsigned vp, unsigned pin, bool level) { cp0_set_irq_line(cpu(vp), 2 + pin, level); },
                              [this] { return now_ticks(); })
                        : nullptr),
      console_(console ? std::move(console) : std::make_unique<HostConsole>(opts.serial)),
      uart_(*console_, irq_source(kUart)),
      rtc_(rtc_base_ns(opts), [this] { return machine_time_ns(); }, irq_source(kRtc)),
      syscon_([this](SysconRequest r) { stop_machine(r == SysconRequest::POWEROFF ? StopReason::HALT : StopReason::REBOOT, 0); }) {
    if (opts.machine != "virt") throw Error("mipshv: unknown machine '" + opts.machine + "' (available: virt)");
    for (Vcpu& v : vcpus_) {
        Cpu& c = *v.cpu;
        c.bus = &bus_;
        c.engine = engine_.get();
        c.stop_request = &stop_request_;
        bus_.add_soft_tlb(&c.soft_tlb);
        c.stop_on_sensitive = opts.stop_on_sensitive;
        c.exit_on_idle = true;
        if (opts.clock == "host") c.ticks_per_insn = 0;  // time comes from the host clock instead
    }
    if (mode_ != ExecMode::BARE_METAL) {
        hypervisor_ = std::make_unique<Hypervisor>(mode_, bus_, hypervisor_region_, kHypervisorRegionSize, opts.smp);
        for (Vcpu& v : vcpus_) hypervisor_->attach(*v.cpu);
        if (!opts.system_map.empty()) hypervisor_->symbols().load_system_map(opts.system_map);
    }
    if (!opts.cost_model.empty()) cost_model_ = std::make_unique<stats::CostModelProfile>(load_cost_model(opts.cost_model));
    if (opts.timing) {
        modelled_time_ = event_prices(*cost_model_, opts.cost_model, double(kCpuClockHz));
        for (Vcpu& v : vcpus_) v.cpu->modelled_time = &*modelled_time_;  // (reset scheduled a look at the timer)
    }
    host_start_ns_ = host_monotonic_ns();
    if (!opts.trace_file.empty()) {
        trace_ = std::fopen(opts.trace_file.c_str(), "w");
        if (!trace_) throw Error("mipshv: --trace " + opts.trace_file + ": " + std::strerror(errno));
        for (Vcpu& v : vcpus_) v.cpu->trace = trace_;
    }
    bus_.map_device(kUart.base, kUart.size, &uart_);
    bus_.map_device(kRtc.base, kRtc.size, &rtc_);
    bus_.map_device(kSyscon.base, kSyscon.size, &syscon_);
    attach_cps();
    attach_drives();
    attach_nics();
    if (opts.semihosting) {
        semihosting_ = std::make_unique<Semihosting>(semihosting_argv(opts));
        if (console_->carries_semihosting()) semihosting_->set_console(console_.get());
        for (Vcpu& v : vcpus_) v.cpu->semihosting = semihosting_.get();
    }
    for (Vcpu& v : vcpus_) {
        cpu_reset(*v.cpu, v.cpu->id);
        if (cm_) cps_core_reset(*v.cpu);
    }
    // As firmware would: kseg0 cacheable and coherent, which Linux needs
    // (and keeps) before it brings up a second core.
    if (cm_) cp0_write(cpu(), cp0::CONFIG, 0, (cpu().cp0.config[0] & ~7ull) | 5);
    if (!opts.kernel.empty()) load_kernel(opts.kernel);

    // Top of low RAM, downwards: the hypervisor's region, the device tree,
    // the initrd; the kernel loads and decompresses itself low.
    const uint64_t dtb_pa = dtb_pa_of(hypervisor_region_);
    std::vector<uint8_t> initrd;
    if (!opts.initrd.empty()) {
        // The initrd goes into low RAM; describe_board checks the exact fit.
        initrd = read_host_file({"-initrd", opts.initrd, std::min(opts.memory_bytes, kRamLowWindow), "the low RAM the guest has"});
        if (initrd.empty()) throw Error("mipshv: -initrd " + opts.initrd + ": the file is empty");
        loaded_.push_back({"initrd", opts.initrd, sha256_hex(initrd)});
    }
    const BoardDescription board = describe_board(opts, initrd.size(), unsigned(virtio_.size()));
    if (!initrd.empty()) place_initrd(opts.initrd, initrd, board.initrd_start);
    dtb_ = build_device_tree(board);
    uint8_t* dst = bus_.ram_ptr(dtb_pa, dtb_.size());
    if (!dst || dtb_.size() > kDtbSlot) throw Error("mipshv: the device tree does not fit in guest RAM");
    std::memcpy(dst, dtb_.data(), dtb_.size());
    if (!opts.dump_dtb.empty()) {
        std::ofstream out(opts.dump_dtb, std::ios::binary);
        out.write(reinterpret_cast<const char*>(dtb_.data()), std::streamsize(dtb_.size()));
        if (!out) throw Error("mipshv: --dump-dtb " + opts.dump_dtb + ": cannot write");
    }

    if (hypervisor_) {
        const ReservedRange reserved = reserved_top_of(hypervisor_region_);
        std::vector<std::pair<uint64_t, uint64_t>> image, keep_out{{reserved.begin, reserved.end}};
        if (board.initrd_end) keep_out.emplace_back(board.initrd_start, board.initrd_end);
        for (const ElfSegment& seg : kernel_.segments) {
            auto pa = unmapped_segment_pa(seg.vaddr);
            if ((seg.flags & 1 /*PF_X*/) && pa) image.emplace_back(*pa, *pa + seg.file_size);
        }
        std::vector<std::pair<uint64_t, std::string>> symbols;
        for (const ElfSymbol& sym : kernel_.symbols) symbols.emplace_back(sym.addr, sym.name);
        hypervisor_->symbols().add(symbols);
        hypervisor_->set_boot_image(image, keep_out);
    }

    // UHI boot protocol: a0 = -2 says a1 holds the device tree's address.
    cpu().gpr[4] = uint64_t(-2);
    cpu().gpr[5] = kCkseg0Base + dtb_pa;
}

// A device's interrupt: a GIC shared interrupt on the CPS board, else a CPU line.
std::function<void(bool)> Machine::irq_source(const DeviceSlot& slot) {
    return gic_ ? gic_->source(slot.gic) : intc_.source(slot.irq);
}

// Several vCPUs: the Coherence Manager, the GIC and the Cluster Power
// Controller, through which Linux starts secondary cores and takes them
// offline and online again.
void Machine::attach_cps() {
    if (!gic_) return;
    const unsigned cores = unsigned(vcpus_.size());
    // A core the CM lets out of reset runs, as far as the CPC can tell too.
    cm_ = std::make_unique<Cm>(cores, kCmGcr.base, kGic.base, kCpc.base, [this](unsigned core) {
        cpc_->core_started(core);
        power_up(core);
    });
    cpc_ = std::make_unique<Cpc>(cores, [this](unsigned core) { power_up(core); }, [this](unsigned core) { power_down(core); });
    bus_.map_device(kCmGcr.base, kCmGcr.size, cm_.get());
    bus_.map_device(kGic.base, kGic.size, gic_.get());
    bus_.map_device(kCpc.base, kCpc.size, cpc_.get());
}

// What a core of the CPS board adds to the reset state: where its CM is,
// and Count as the machine's counter (Cpu::shared_count).
void Machine::cps_core_reset(Cpu& c) {
    c.cp0.config[3] |= 1ull << 29;  // CMGCR: CMGCRBase is implemented
    c.cp0.cmgcrbase = kCmGcr.base >> 4;
    c.shared_count = true;
    c.cp0.count_at_base = 0;
    c.cp0.count_base = 0;
    cp0_schedule_timer(c);
}

// A core leaves reset (CM) or is powered up or reset (CPC): it starts at
// its reset base, at the machine's present time. A core that resets itself
// does so once its engine has returned (the store that asked is done).
void Machine::power_up(unsigned core) {
    Vcpu& v = vcpus_.at(core);
    Cpu& c = *v.cpu;
    if (core == running_ && v.powered && !v.reset_pending && in_turn_) {
        v.reset_pending = true;
        c.request_stop(StopReason::IDLE);
        return;
    }
    c.set_ticks(std::max(c.ticks(), now_ticks()));
    cpu_reset(c, core);
    cps_core_reset(c);
    c.pc = cm_->reset_pc(core);
    c.boot_base = cm_->uses_reset_base_for_bev(core) ? c.pc : kResetBootBase;
    engine_->flush_lookup_cache(LookupFlush::OTHER);
    v.powered = true;
    v.waiting = false;
    ++c.counters.power_ups;
}

// A core is powered down (CPC), perhaps by itself: another core stops at
// once; a core powering itself down stops at the end of its current block.
void Machine::power_down(unsigned core) {
    Vcpu& v = vcpus_.at(core);
    if (!v.powered) return;
    v.powered = false;
    ++v.cpu->counters.power_downs;
    if (core == running_) v.cpu->request_stop(StopReason::IDLE);
}

// Each -drive in the next virtio slot: vda, vdb, ...
void Machine::attach_drives() {
    for (const DriveOptions& drive : opts_.drives) {
        const char letter = char('a' + virtio_.size());
        plug_virtio(std::make_unique<virtio::BlockDevice>(std::make_unique<DiskImage>(drive), std::string("vd") + letter, bus_));
    }
}

// Each network card in the next virtio slot after the drives: eth0, eth1, ...
void Machine::attach_nics() {
    if (!opts_.pcap_file.empty()) pcap_ = std::make_unique<PcapWriter>(opts_.pcap_file);
    for (size_t k = 0; k < opts_.nics.size(); ++k) {
        const NicOptions& nic = opts_.nics[k];
        const NetdevOptions& netdev = *std::find_if(opts_.netdevs.begin(), opts_.netdevs.end(),
                                                    [&](const NetdevOptions& n) { return n.id == nic.netdev; });
        auto card = std::make_unique<virtio::NetDevice>("eth" + std::to_string(k),
                                                        nic.mac_given ? nic.mac : default_mac(unsigned(k)), bus_);
        virtio::NetDevice& device = *card;
        SlirpBackend* network = networks_.emplace_back(std::make_unique<SlirpBackend>(
            netdev, [this] { return machine_time_ns(); },
            [&device](const uint8_t* frame, size_t len) { device.receive(frame, len); })).get();
        device.connect([network](const uint8_t* frame, size_t len) { network->from_guest(frame, len); },
                       pcap_ ? virtio::NetDevice::FrameSink([this](const uint8_t* frame, size_t len) {
                           pcap_->write(frame, len, machine_time_ns());
                       })
                             : nullptr,
                       [network] { return network->guest_errors(); });
        plug_virtio(std::move(card));
    }
}

// A virtio device in the next free slot: its transport on the bus and on the slot's interrupt line.
void Machine::plug_virtio(std::unique_ptr<virtio::VirtioDevice> device) {
    const DeviceSlot slot = virtio_slot(unsigned(virtio_.size()));
    virtio_.push_back(std::make_unique<virtio::MmioTransport>(bus_, std::move(device), irq_source(slot)));
    bus_.map_device(slot.base, slot.size, virtio_.back().get());
}

// Waits (up to timeout_ms) on the last card's sockets after a look at the others'.
void Machine::poll_network(int timeout_ms, int wake_fd) {
    for (size_t k = 0; k < networks_.size(); ++k)
        networks_[k]->poll(k + 1 == networks_.size() ? timeout_ms : 0, wake_fd);
}

void Machine::load_kernel(const std::string& path) {
    kernel_ = load_elf_file(path);
    loaded_.push_back({"kernel", path, sha256_hex(kernel_.bytes)});
    for (const ElfSegment& s : kernel_.segments) {
        if (s.mem_size == 0) continue;
        // Kernels and test programs link into kseg0/kseg1 or xkphys, which map without a TLB.
        auto seg_pa = unmapped_segment_pa(s.vaddr);
        if (!seg_pa)
            throw Error("mipshv: -kernel " + path + ": segment at " + hex(s.vaddr) +
                        " is not in an unmapped kernel segment (kseg0, kseg1 or xkphys)");
        uint8_t* dst = bus_.ram_ptr(*seg_pa, s.mem_size);
        if (!dst)
            throw Error("mipshv: -kernel " + path + ": segment at " + hex(s.vaddr) + " (" + std::to_string(s.mem_size) +
                        " bytes) does not fit in guest RAM (-m " + std::to_string(opts_.memory_bytes >> 20) + "M)");
        // The board keeps the top of low RAM for the device tree and the
        // hypervisor's region; a segment there would be overwritten.
        const ReservedRange reserved = reserved_top_of(hypervisor_region_);
        if (*seg_pa < reserved.end && reserved.begin < *seg_pa + s.mem_size)
            throw Error("mipshv: -kernel " + path + ": segment at " + hex(s.vaddr) + " overlaps the device tree and hypervisor region (physical " +
                        hex(reserved.begin) + "-" + hex(reserved.end) + "), which the board keeps at the top of low RAM");
        std::memcpy(dst, kernel_.bytes.data() + s.file_offset, s.file_size);
        std::memset(dst + s.file_size, 0, s.mem_size - s.file_size);
    }
    cpu().pc = kernel_.entry;
}

// Copies the initrd to `start`, where the board's layout puts it.
void Machine::place_initrd(const std::string& path, const std::vector<uint8_t>& data, uint64_t start) {
    uint8_t* dst = bus_.ram_ptr(start, data.size());
    if (!dst)
        throw Error("mipshv: -initrd " + path + ": initrd (" + std::to_string(data.size()) + " bytes) does not fit in guest RAM");
    for (const ElfSegment& s : kernel_.segments) {
        auto pa = unmapped_segment_pa(s.vaddr);
        if (pa && *pa < start + data.size() && start < *pa + s.mem_size)
            throw Error("mipshv: -initrd " + path + ": initrd overlaps the kernel image; give the guest more memory (-m)");
    }
    std::memcpy(dst, data.data(), data.size());
}

Machine::~Machine() {
    if (trace_) std::fclose(trace_);
}

uint64_t Machine::machine_time_ns() const {
    return uint64_t((unsigned __int128)now_ticks() * 1'000'000'000u / kCpuClockHz);
}

// One clock for the whole machine. With several vCPUs each continues it
// where the last one left it, so time never runs backwards from one vCPU
// to the next: Linux takes each CPU's Count for one clocksource and
// requires exactly that (sync-r4k). Inside a quantum the machine's time
// is the running vCPU's.
uint64_t Machine::now_ticks() const {
    if (vcpus_.size() == 1) return cpu().ticks();
    return running_ < vcpus_.size() ? std::max(now_, cpu(running_).ticks()) : now_;
}

void Machine::set_now(uint64_t ticks) {
    now_ = std::max(now_, ticks);
    for (Vcpu& v : vcpus_)
        if (v.powered) v.cpu->set_ticks(std::max(v.cpu->ticks(), now_));
}

uint64_t Machine::host_ticks() const { return ns_to_ticks(host_monotonic_ns() - host_start_ns_); }

uint64_t Machine::ns_to_ticks(uint64_t ns) const {
    if (ns == UINT64_MAX) return UINT64_MAX;
    return uint64_t((unsigned __int128)ns * kCpuClockHz / 1'000'000'000u);
}

// Input enters the UART only when the guest listens and has drained the
// last piece, and only at points fixed in guest time (idle, or every input
// slice), so a scripted console gives the same run every time.
void Machine::deliver_console_input() {
    if (!uart_.ready_for_input()) return;
    uint8_t buf[Uart16550::kFifoSize];
    size_t n = console_->read_input(buf, sizeof buf, 0);
    for (size_t k = 0; k < n; ++k) uart_.receive(buf[k]);
}

void Machine::poll_devices() {
    poll_network(0);
    rtc_.fire_alarm_if_due();
    for (Vcpu& v : vcpus_)
        if (v.powered) cp0_advance_timer(*v.cpu);
}

uint64_t Machine::instructions() const {
    uint64_t n = 0;
    for (const Vcpu& v : vcpus_) n += v.cpu->instret;
    return n;
}

bool Machine::woken(const Cpu& c) const { return (c.cp0.cause & c.cp0.status & cp0::cause::IP) != 0; }

// A guest-requested stop (power-off, reboot) that may come from any vCPU:
// the one running stops at once, and the run loop stops the machine.
void Machine::stop_machine(StopReason why, int exit_code) {
    machine_stop_ = why;
    cpu(running_).exit_code = exit_code;
    cpu(running_).request_stop(why);
}

// Every powered vCPU executed WAIT: the machine waits for the next event.
// Returns whether it waited on the host.
bool Machine::idle() {
    deliver_console_input();
    auto woken_any = [&] {
        return std::any_of(vcpus_.begin(), vcpus_.end(), [&](const Vcpu& v) { return v.powered && woken(*v.cpu); });
    };
    if (woken_any()) return false;
    uint64_t wake = ns_to_ticks(rtc_.alarm_deadline_ns());
    for (const Vcpu& v : vcpus_)
        if (v.powered) wake = std::min(wake, v.cpu->timer_deadline);
    // While the guest listens on its console, an idle period lasts as long
    // on the host as it does for the guest, so an interactive session keeps
    // a sane clock (`sleep 2` takes two seconds). Scripted input is already
    // available, so it never waits here and such runs stay deterministic.
    // With --clock host, guest time simply is the host clock.
    // With a network card the same holds, and the wait sleeps on the host's
    // sockets: a packet from the host wakes the guest when it arrives.
    const bool host_clock = opts_.clock == "host";
    const bool listening = console_->input_open() && uart_.ready_for_input();
    bool waited = false;
    if (listening || host_clock || !networks_.empty()) {
        const uint64_t idle_start_ns = host_monotonic_ns(), idle_start_ticks = now_ticks();
        auto guest_now = [&] {
            return host_clock ? host_ticks() : idle_start_ticks + ns_to_ticks(host_monotonic_ns() - idle_start_ns);
        };
        auto go_on = [&] { return !console_->quit_requested() && stop_request_.pending() == StopReason::NONE; };
        for (uint64_t now = guest_now(); now < wake && go_on(); now = guest_now()) {
            waited = true;
            int ms = int(std::min<uint64_t>((wake - now) * 1000 / kCpuClockHz + 1, 50));
            if (!networks_.empty()) {
                set_now(now);  // slirp's clock is the machine's
                poll_network(ms, stop_request_.wake_fd());
                if (woken_any()) return true;
                ms = 0;
            }
            if (!console_->input_open() || !uart_.ready_for_input()) {
                pollfd stop{stop_request_.wake_fd(), POLLIN, 0};
                ::poll(&stop, 1, ms);
                continue;
            }
            uint8_t buf[Uart16550::kFifoSize];
            size_t n = console_->read_input(buf, sizeof buf, ms);
            if (n == 0) continue;
            set_now(guest_now());
            for (size_t k = 0; k < n; ++k) uart_.receive(buf[k]);
            if (woken_any()) return true;
        }
    }
    set_now(wake);
    poll_devices();
    return waited;
}

// Rounds: each powered vCPU in turn runs a quantum of guest instructions
// (a single vCPU runs a whole slice). Between rounds the machine delivers
// console input and device time; a waiting vCPU's clock follows the
// others'; when every vCPU waits, the machine idles until the next event.
StopReason Machine::run(uint64_t budget) {
    stop_reason_ = run_rounds(budget);
    stopped_ = running_ < vcpus_.size() ? running_ : 0;
    if (stop_reason_ == stop_request_.pending()) stop_request_.take();  // honoured: the next run goes on
    return stop_reason_;
}

// Any thread, or a signal handler: the request first, then every exit word
// (the engine that runs tests the request after it sets the word).
void Machine::request_stop(StopReason why) noexcept {
    stop_request_.request(why);
    for (Vcpu& v : vcpus_) v.cpu->request_check();
}

StopReason Machine::budget_spent(uint64_t limit) {
    overshoot_ = instructions() > limit ? instructions() - limit : 0;
    return StopReason::BUDGET;
}

StopReason Machine::run_rounds(uint64_t budget) {
    const unsigned n = unsigned(vcpus_.size());
    // A run may end one instruction past its budget (a branch's delay slot
    // goes with it). With several vCPUs the next call owes that back, so
    // that slicing a budget into calls changes nothing.
    const uint64_t owed = n > 1 ? std::exchange(overshoot_, 0) : 0;
    const uint64_t limit = budget ? instructions() - owed + budget : UINT64_MAX;
    const bool host_clock = opts_.clock == "host";
    const uint64_t period = !networks_.empty() ? kNetworkSliceInsns : host_clock ? kHostClockSliceInsns : kSliceInsns;
    const uint64_t quantum = n == 1 ? period : std::min<uint64_t>(opts_.quantum, period);
    machine_stop_ = StopReason::NONE;
    if (n == 1) vcpus_[0].quantum_left = 0;  // one vCPU: each call starts a fresh slice, as it always did
    for (;;) {
        // The turn of vCPU `cursor_`. A turn cut short by the budget goes on
        // at the next call, so how a caller slices its budget does not
        // change which vCPU runs when.
        running_ = cursor_;
        Vcpu& v = vcpus_[cursor_];
        Cpu& c = *v.cpu;
        if (const StopReason asked = stop_request_.pending(); asked != StopReason::NONE) return asked;
        if (v.powered && !(v.waiting && !woken(c))) {
            v.waiting = false;
            const uint64_t done = instructions();
            if (done >= limit) return budget_spent(limit);
            if (v.quantum_left == 0) v.quantum_left = quantum;
            c.stop = StopReason::NONE;
            if (n > 1) c.set_ticks(std::max(c.ticks(), now_));
            const uint64_t before = c.instret;
            in_turn_ = true;
            engine_->run(c, std::min(v.quantum_left, limit - done));
            in_turn_ = false;
            v.quantum_left -= std::min(v.quantum_left, c.instret - before);
            if (host_clock) c.set_ticks(std::max(c.ticks(), host_ticks()));
            now_ = std::max(now_, c.ticks());
            if (console_->quit_requested()) return StopReason::QUIT;
            if (machine_stop_ != StopReason::NONE) return machine_stop_;
            if (v.reset_pending) {  // it reset itself through the CPC: it starts over now
                v.reset_pending = false;
                power_up(cursor_);
            } else if (v.powered) {
                switch (c.stop) {
                    case StopReason::IDLE:
                        ++c.counters.idle_waits;
                        v.waiting = true;
                        // Linux halts (without a power-off driver) by masking every
                        // interrupt and waiting, the other CPUs stopped: nothing
                        // can end that wait.
                        if ((c.cp0.status & cp0::status::IM) == 0) {
                            c.exit_code = 0;
                            c.request_stop(StopReason::HALT);
                            return StopReason::HALT;
                        }
                        break;
                    case StopReason::BUDGET:
                        if (v.quantum_left) return budget_spent(limit);  // the caller's budget, not the turn
                        break;
                    default: return c.stop;
                }
            }
            // The other vCPUs run before this one's SC: any of them may store
            // to the reserved line, so the reservation ends with the turn (SC
            // fails, the guest retries), which is always architecturally allowed.
            if (n > 1 && c.llbit) {
                c.llbit = false;
                ++c.counters.ll_reservations_lost;
            }
        }
        v.quantum_left = 0;
        cursor_ = (cursor_ + 1) % n;
        if (cursor_ != 0) continue;
        // A round is over.
        running_ = 0;
        if (std::all_of(vcpus_.begin(), vcpus_.end(), [](const Vcpu& x) { return !x.powered || x.waiting; })) {
            const bool waited = idle();
            for (Vcpu& x : vcpus_) x.waiting = false;  // WAIT may end without an interrupt; Linux's idle loop allows for it
            // (A stop asked for meanwhile: the turn's start returns it.)
            if (waited && return_after_host_waits_ && stop_request_.pending() == StopReason::NONE) return StopReason::IDLE;
            continue;
        }
        if (instructions() >= limit) return budget_spent(limit);
        if (n > 1) set_now(now_);  // waiting vCPUs' clocks move on with the machine's
        deliver_console_input();
        poll_devices();
    }
}

stats::RunRecord Machine::run_record(double wall_seconds) const {
    stats::RunRecord r;
    r.set_mipshv_version(MIPSHV_VERSION);
    stats::RunConfig& cfg = *r.mutable_config();
    cfg.set_machine(opts_.machine);
    cfg.set_kernel(opts_.kernel);
    cfg.set_initrd(opts_.initrd);
    cfg.set_append(opts_.append);
    cfg.set_memory_bytes(opts_.memory_bytes);
    cfg.set_smp(unsigned(vcpus_.size()));
    if (vcpus_.size() > 1) cfg.set_quantum(opts_.quantum);
    cfg.set_mode(opts_.mode);
    cfg.set_clock(opts_.clock);
    cfg.set_timing(opts_.timing);
    cfg.set_engine(engine_->name());
    for (const std::string& a : opts_.argv) cfg.add_argv(a);
    for (const LoadedFile& file : loaded_) {
        stats::Artifact& a = *r.add_artifacts();
        a.set_role(file.role);
        a.set_path(file.path);
        a.set_sha256(file.sha256);
    }
    *r.mutable_host() = describe_host();
    for (const Vcpu& vcpu : vcpus_) {
        stats::VcpuCounters& v = *r.add_vcpus();
        v.set_cpu(vcpu.cpu->id);
        CpuCounters counters = vcpu.cpu->counters;
        counters.soft_tlb_whole_walks = vcpu.cpu->soft_tlb.whole_walks;  // kept by the software TLB itself
        fill_counters(v, counters);
        add_to_totals(r, v);
    }
    engine_->fill_record(*r.mutable_engine());
    auto& totals = *r.mutable_totals();
    totals["instructions"] = instructions();
    totals["virtual_ticks"] = now_ticks();
    totals["unmapped_physical_accesses"] = bus_.unmapped_accesses();
    totals["refused_device_accesses"] = bus_.refused_accesses();
    totals["uart_bytes_sent"] = uart_.bytes_sent();
    r.set_stop_reason(stop_reason_name(stop_reason_));
    r.set_exit_code(exit_code());
    r.set_wall_seconds(wall_seconds);
    for (size_t n = 0; n < virtio_.size(); ++n) {
        stats::DeviceRecord& d = *r.add_devices();
        d.set_name(virtio_[n]->device().name());
        d.set_kind(virtio_[n]->device().kind());
        if (n < opts_.drives.size()) d.set_path(opts_.drives[n].file);
        virtio_[n]->each_counter([&](const char* name, uint64_t value, const char*) { (*d.mutable_counters())[name] = value; });
    }
    if (gic_) fill_gic_record(*r.add_devices());
    if (hypervisor_) {
        hypervisor_->fill_record(r, wall_seconds);
        // Device register accesses exit to the hypervisor too: an exit kind of their own.
        auto& total = *r.mutable_hypervisor()->mutable_exits_by_kind();
        for (unsigned n = 0; n < vcpus_.size(); ++n) {
            auto& mine = *r.mutable_vcpus(int(n))->mutable_exits_by_kind();
            hypervisor_->each_exit_by_kind(n, [&](const std::string& kind, uint64_t count) { mine[kind] += count; });
            if (const uint64_t mmio = cpu(n).counters.exits_mmio) {
                mine["mmio"] = mmio;
                total["mmio"] += mmio;
            }
        }
    }
    if (cost_model_) model_cost(*cost_model_, opts_.cost_model, r);
    return r;
}

// The GIC's counters: IPIs each vCPU sent and received, and interrupts
// delivered by source, named after the device on that shared interrupt.
void Machine::fill_gic_record(stats::DeviceRecord& d) const {
    d.set_name("gic");
    d.set_kind(gic_->name());
    auto& counters = *d.mutable_counters();
    for (unsigned n = 0; n < vcpus_.size(); ++n) {
        counters["cpu" + std::to_string(n) + "_ipis_sent"] = gic_->ipis_sent(n);
        counters["cpu" + std::to_string(n) + "_ipis_received"] = gic_->ipis_received(n);
    }
    std::map<unsigned, std::string> sources{{kUart.gic, "uart"}, {kRtc.gic, "rtc"}};
    for (unsigned n = 0; n < virtio_.size(); ++n) sources[virtio_slot(n).gic] = virtio_[n]->device().name();
    for (unsigned n = 0; n < Gic::kSharedInterrupts; ++n) {
        if (!gic_->delivered(n)) continue;
        auto it = sources.find(n);
        const std::string source = it != sources.end() ? it->second
                                   : n >= Gic::kFirstIpi ? "ipi" + std::to_string(n)
                                                         : "shared" + std::to_string(n);
        counters["delivered_" + source] = gic_->delivered(n);
    }
}

std::string Machine::stop_report() const {
    const Cpu& c = cpu(stopped_);
    std::ostringstream out;
    char line[200];
    if (c.stop == StopReason::SENSITIVE) {
        const Insn& i = c.stopped_at;
        const OpcodeInfo& info = opcode_info(i.op);
        std::snprintf(line, sizeof line, "mipshv: stopped at sensitive instruction (class %s) in kernel mode\n",
                      std::string(sensitive_class_name(info.sensitive)).c_str());
        out << line;
        std::snprintf(line, sizeof line, "  pc %016" PRIx64 ": %08x  %s", i.pc, i.word,
                      disassemble(i.word, i.pc).c_str());
        out << line;
        if (const ElfSymbol* s = kernel_.symbol_at(i.pc)) out << "  <" << s->name << "+" << hex(i.pc - s->addr) << ">";
        out << "\n";
    } else {
        std::snprintf(line, sizeof line, "  pc %016" PRIx64 "\n", c.pc);
        out << line;
    }
    for (int r = 0; r < 32; r += 4) {
        std::snprintf(line, sizeof line,
                      "  %-4s %016" PRIx64 "  %-4s %016" PRIx64 "  %-4s %016" PRIx64 "  %-4s %016" PRIx64 "\n",
                      kGprNames[r], c.gpr[r], kGprNames[r + 1], c.gpr[r + 1], kGprNames[r + 2], c.gpr[r + 2],
                      kGprNames[r + 3], c.gpr[r + 3]);
        out << line;
    }
    std::snprintf(line, sizeof line,
                  "  hi   %016" PRIx64 "  lo   %016" PRIx64 "  status %08" PRIx64 "  cause %08" PRIx64
                  "  epc %016" PRIx64 " badvaddr %016" PRIx64 "\n",
                  c.hi, c.lo, c.cp0.status, c.cp0.cause, c.cp0.epc, c.cp0.badvaddr);
    out << line;
    std::snprintf(line, sizeof line, "  instructions retired: %" PRIu64 "\n", c.instret);
    out << line;
    return out.str();
}

}  // namespace mipshv
