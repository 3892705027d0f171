#include "hv/board/device_tree.h"

extern "C" {
#include <libfdt.h>
}

#include <algorithm>
#include <cstdio>

#include "hv/board/memory_map.h"
#include "hv/common/error.h"

namespace mipshv {

namespace {
using namespace memory_map;

constexpr uint32_t kPhandleCpuIntc = 1, kPhandleCpuClock = 2, kPhandleSyscon = 3, kPhandleGic = 4;
// The GIC's interrupt specifier: <kind number trigger>.
constexpr uint32_t kGicShared = 0, kIrqTypeLevelHigh = 4;

// libfdt's sequential-write API with every return code checked.
class FdtWriter {
public:
    explicit FdtWriter(size_t capacity) : buf_(capacity) {
        check(fdt_create(buf_.data(), int(buf_.size())));
        check(fdt_finish_reservemap(buf_.data()));
    }
    void begin(const std::string& name) { check(fdt_begin_node(buf_.data(), name.c_str())); }
    void end() { check(fdt_end_node(buf_.data())); }
    void prop(const char* name, const std::string& s) { check(fdt_property_string(buf_.data(), name, s.c_str())); }
    void prop(const char* name, uint32_t cell) { check(fdt_property_cell(buf_.data(), name, cell)); }
    void empty(const char* name) { check(fdt_property(buf_.data(), name, nullptr, 0)); }
    void cells(const char* name, const std::vector<uint32_t>& v) {
        std::vector<fdt32_t> be(v.size());
        std::transform(v.begin(), v.end(), be.begin(), [](uint32_t x) { return cpu_to_fdt32(x); });
        check(fdt_property(buf_.data(), name, be.data(), int(be.size() * sizeof(fdt32_t))));
    }
    void u64(const char* name, uint64_t v) { check(fdt_property_u64(buf_.data(), name, v)); }
    // "reg" with two address cells and two size cells.
    void reg(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
        std::vector<uint32_t> v;
        for (auto [base, size] : ranges)
            v.insert(v.end(), {uint32_t(base >> 32), uint32_t(base), uint32_t(size >> 32), uint32_t(size)});
        cells("reg", v);
    }
    std::vector<uint8_t> finish() {
        check(fdt_finish(buf_.data()));
        buf_.resize(fdt_totalsize(buf_.data()));
        return std::move(buf_);
    }

private:
    static void check(int err) {
        if (err < 0) throw Error(std::string("mipshv: building the device tree failed: ") + fdt_strerror(err));
    }
    std::vector<uint8_t> buf_;
};

std::string node_name(const char* kind, uint64_t addr) {
    char name[64];
    std::snprintf(name, sizeof name, "%s@%llx", kind, static_cast<unsigned long long>(addr));
    return name;
}

// A device node, with its interrupt on the CPU's own lines or on the GIC.
void device(FdtWriter& w, const char* kind, const char* compatible, const DeviceSlot& slot, bool gic) {
    w.begin(node_name(kind, slot.base));
    w.prop("compatible", compatible);
    w.reg({{slot.base, slot.size}});
    if (gic && slot.gic) {
        w.prop("interrupt-parent", kPhandleGic);
        w.cells("interrupts", {kGicShared, slot.gic, kIrqTypeLevelHigh});
    } else if (!gic && slot.irq) {
        w.prop("interrupt-parent", kPhandleCpuIntc);
        w.prop("interrupts", slot.irq);
    }
}
}  // namespace

std::vector<uint8_t> build_device_tree(const BoardDescription& b) {
    FdtWriter w(64 * 1024);
    w.begin("");
    w.prop("#address-cells", 2u);
    w.prop("#size-cells", 2u);
    w.prop("compatible", "mipshv,virt");
    w.prop("model", "mipshv virtual board");

    w.begin("cpus");
    w.prop("#address-cells", 1u);
    w.prop("#size-cells", 0u);
    for (unsigned n = 0; n < b.cpus; ++n) {
        w.begin(node_name("cpu", n));
        w.prop("device_type", "cpu");
        w.prop("compatible", "mti,5KE");
        w.prop("reg", n);
        w.prop("clocks", kPhandleCpuClock);
        w.end();
    }
    w.end();

    w.begin("cpu-clock");
    w.prop("compatible", "fixed-clock");
    w.prop("#clock-cells", 0u);
    w.prop("clock-frequency", kCpuClockHz);
    w.prop("phandle", kPhandleCpuClock);
    w.end();

    std::vector<std::pair<uint64_t, uint64_t>> ram{{kRamLowBase, b.low_ram_bytes}};
    if (b.high_ram_bytes) ram.push_back({kRamHighBase, b.high_ram_bytes});
    w.begin(node_name("memory", kRamLowBase));
    w.prop("device_type", "memory");
    w.reg(ram);
    w.end();

    w.begin("interrupt-controller");
    w.prop("compatible", "mti,cpu-interrupt-controller");
    w.empty("interrupt-controller");
    w.prop("#interrupt-cells", 1u);
    w.prop("#address-cells", 0u);
    w.prop("phandle", kPhandleCpuIntc);
    w.end();

    // After the CPU's controller: the GIC routes to it by CPU vector, not
    // through the tree (an interrupt-parent here would make a cycle).
    if (b.cps) {
        w.begin(node_name("interrupt-controller", kGic.base));
        w.prop("compatible", "mti,gic");
        w.reg({{kGic.base, kGic.size}});
        w.empty("interrupt-controller");
        w.prop("#interrupt-cells", 3u);
        w.prop("phandle", kPhandleGic);
        w.end();
    }

    device(w, "serial", "ns16550a", kUart, b.cps);
    w.prop("clock-frequency", 1843200u);
    w.end();

    device(w, "rtc", "google,goldfish-rtc", kRtc, b.cps);
    w.end();

    device(w, "syscon", "syscon", kSyscon, b.cps);
    w.prop("phandle", kPhandleSyscon);
    w.end();
    for (auto [name, value] : {std::pair{"poweroff", kSysconPoweroff}, std::pair{"reboot", kSysconReboot}}) {
        w.begin(name);
        w.prop("compatible", std::string("syscon-") + name);
        w.prop("regmap", kPhandleSyscon);
        w.prop("offset", 0u);
        w.prop("value", value);
        w.end();
    }

    // Occupied slots only: an empty slot is unmapped, so nothing probes it.
    for (const DeviceSlot& slot : b.virtio) {
        device(w, "virtio_mmio", "virtio,mmio", slot, b.cps);
        w.empty("dma-coherent");  // guest RAM is the device's memory: no cache maintenance needed
        w.end();
    }

    w.begin("chosen");
    w.prop("bootargs", b.bootargs);
    w.prop("stdout-path", node_name("/serial", kUart.base));
    if (b.initrd_end > b.initrd_start) {
        w.u64("linux,initrd-start", b.initrd_start);
        w.u64("linux,initrd-end", b.initrd_end);
    }
    w.end();

    w.end();
    return w.finish();
}

}  // namespace mipshv
