#include "hv/board/machine.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "hv/board/memory_map.h"
#include "hv/common/error.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/isa/disasm.h"

namespace mipshv {

namespace {
using namespace memory_map;

// Physical address of a kernel-segment load address; kernels and test
// programs link into kseg0/kseg1 or xkphys, which map without a TLB.
bool unmapped_kernel_address(uint64_t va, uint64_t& pa) {
    if (va >= 0xffffffff80000000ull && va < 0xffffffffc0000000ull) {
        pa = va & 0x1fffffffull;
        return true;
    }
    if ((va >> 62) == 2) {
        pa = va & ((1ull << kPaBits) - 1);
        return true;
    }
    return false;
}

std::vector<std::string> semihosting_argv(const Options& o) {
    std::vector<std::string> argv{o.kernel};
    std::istringstream words(o.append);
    for (std::string w; words >> w;) argv.push_back(w);
    return argv;
}
}  // namespace

Machine::Machine(const Options& opts)
    : opts_(opts),
      bus_(opts.memory_bytes, kRamLowWindow, kRamHighBase),
      engine_(bus_),
      uart_(1, [this](bool level) { cp0_set_irq_line(cpu_, 2, level); }) {
    if (opts.machine != "bare") throw Error("mipshv: unknown machine '" + opts.machine + "' (available: bare)");
    cpu_.bus = &bus_;
    cpu_.engine = &engine_;
    cpu_.stop_on_sensitive = opts.mode == "trap";
    bus_.map_device(kUartBase, kUartSize, &uart_);
    if (opts.semihosting) {
        semihosting_ = std::make_unique<Semihosting>(semihosting_argv(opts));
        cpu_.semihosting = semihosting_.get();
    }
    cp0_reset(cpu_, 0);
    if (!opts.kernel.empty()) load_kernel(opts.kernel);
}

void Machine::load_kernel(const std::string& path) {
    kernel_ = load_elf_file(path);
    for (const ElfSegment& s : kernel_.segments) {
        if (s.mem_size == 0) continue;
        uint64_t pa;
        if (!unmapped_kernel_address(s.vaddr, pa))
            throw Error("mipshv: " + path + ": segment at 0x" + (std::ostringstream() << std::hex << s.vaddr).str() +
                        " is not in an unmapped kernel segment (kseg0, kseg1 or xkphys)");
        uint8_t* dst = bus_.ram_ptr(pa, s.mem_size);
        if (!dst)
            throw Error("mipshv: " + path + ": segment at 0x" + (std::ostringstream() << std::hex << s.vaddr).str() +
                        " (" + std::to_string(s.mem_size) + " bytes) does not fit in guest RAM (-m " +
                        std::to_string(opts_.memory_bytes >> 20) + "M)");
        std::memcpy(dst, kernel_.bytes.data() + s.file_offset, s.file_size);
        std::memset(dst + s.file_size, 0, s.mem_size - s.file_size);
    }
    cpu_.pc = kernel_.entry;
}

StopReason Machine::run(uint64_t budget) {
    cpu_.stop = StopReason::NONE;
    engine_.run(cpu_, budget);
    return cpu_.stop;
}

std::string Machine::stop_report() const {
    static const char* const kNames[32] = {"zero", "at", "v0", "v1", "a0", "a1", "a2", "a3", "a4", "a5", "a6",
                                           "a7",   "t0", "t1", "t2", "t3", "s0", "s1", "s2", "s3", "s4", "s5",
                                           "s6",   "s7", "t8", "t9", "k0", "k1", "gp", "sp", "s8", "ra"};
    const Cpu& c = cpu_;
    std::ostringstream out;
    char line[160];
    if (c.stop == StopReason::SENSITIVE) {
        const Insn& i = c.stopped_at;
        const OpcodeInfo& info = opcode_info(i.op);
        std::snprintf(line, sizeof line, "mipshv: stopped at sensitive instruction (class %s) in kernel mode\n",
                      std::string(sensitive_class_name(info.sensitive)).c_str());
        out << line;
        std::snprintf(line, sizeof line, "  pc %016" PRIx64 ": %08x  %s", i.pc, i.word,
                      disassemble(i.word, i.pc).c_str());
        out << line;
        if (const ElfSymbol* s = kernel_.symbol_at(i.pc)) out << "  <" << s->name << "+0x" << std::hex << (i.pc - s->addr) << std::dec << ">";
        out << "\n";
    }
    for (int r = 0; r < 32; r += 4) {
        std::snprintf(line, sizeof line, "  %-4s %016" PRIx64 "  %-4s %016" PRIx64 "  %-4s %016" PRIx64 "  %-4s %016" PRIx64 "\n",
                      kNames[r], c.gpr[r], kNames[r + 1], c.gpr[r + 1], kNames[r + 2], c.gpr[r + 2], kNames[r + 3], c.gpr[r + 3]);
        out << line;
    }
    std::snprintf(line, sizeof line, "  hi   %016" PRIx64 "  lo   %016" PRIx64 "  status %08" PRIx64 "  cause %08" PRIx64 "  epc %016" PRIx64 "\n",
                  c.hi, c.lo, c.cp0.status, c.cp0.cause, c.cp0.epc);
    out << line;
    std::snprintf(line, sizeof line, "  instructions retired: %" PRIu64 "\n", c.instret);
    out << line;
    return out.str();
}

}  // namespace mipshv
