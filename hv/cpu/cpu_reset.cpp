// Power-on reset of a whole vCPU: coprocessor 0, the FPU's fixed registers
// and the software caches derived from them.
#include "hv/cpu/cp0.h"
#include "hv/cpu/fpu.h"

namespace mipshv {

void cpu_reset(Cpu& c, unsigned cpu_number) {
    cp0_reset(c, cpu_number);
    fpu_reset(c);
    c.soft_tlb.flush_all();
}

}  // namespace mipshv
