#include "hv/dev/syscon.h"

#include "hv/board/memory_map.h"

namespace mipshv {

void Syscon::on_write(unsigned, uint64_t offset, unsigned, uint64_t value) {
    if (offset != 0) return;
    if (uint32_t(value) == memory_map::kSysconPoweroff) on_request_(SysconRequest::POWEROFF);
    else if (uint32_t(value) == memory_map::kSysconReboot) on_request_(SysconRequest::REBOOT);
}

}  // namespace mipshv
