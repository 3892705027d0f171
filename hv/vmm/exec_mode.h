// How sensitive guest instructions are handled: the modes researchers
// compare (`--mode NAME`, and the same names in the Python API).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mipshv {

enum class ExecMode : uint8_t {
    BARE_METAL,  // the guest owns the processor; privileged instructions run directly
    TRAP,        // every sensitive instruction exits to the hypervisor, which emulates it
    ONE_TO_ONE,  // eager scan; each sensitive instruction replaced by one instruction
    ONE_TO_N,    // eager scan; replaced by a jump to a stub sequence where possible
    ON_DEMAND,   // no scan; patched (1:n, else 1:1) the first time it traps
};

// The one list of mode names, in ExecMode order.
inline constexpr std::array<std::string_view, 5> kExecModeNames = {"bare-metal", "trap", "1:1", "1:n", "on-demand"};

inline std::string_view exec_mode_name(ExecMode m) { return kExecModeNames[size_t(m)]; }
inline std::optional<ExecMode> parse_exec_mode(std::string_view name) {
    for (size_t k = 0; k < kExecModeNames.size(); ++k)
        if (kExecModeNames[k] == name) return ExecMode(k);
    return std::nullopt;
}
inline std::string exec_mode_list() {
    std::string list;
    for (auto name : kExecModeNames) list += (list.empty() ? "" : ", ") + std::string(name);
    return list;
}

}  // namespace mipshv
