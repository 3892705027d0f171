#include "hv/board/cpu_intc.h"

#include "hv/common/error.h"
#include "hv/cpu/cp0.h"

namespace mipshv {

std::function<void(bool)> CpuIntc::source(unsigned line) {
    if (line < 2 || line > 6 || sources_[line] >= 32)
        throw Error("mipshv: interrupt line IP" + std::to_string(line) + " cannot take another device");
    const uint32_t bit = 1u << sources_[line]++;
    return [this, line, bit](bool level) { set(line, bit, level); };
}

void CpuIntc::set(unsigned line, uint32_t source_bit, bool level) {
    const uint32_t before = asserted_[line];
    asserted_[line] = level ? before | source_bit : before & ~source_bit;
    if ((before != 0) != (asserted_[line] != 0)) cp0_set_irq_line(cpu_, line, asserted_[line] != 0);
}

}  // namespace mipshv
