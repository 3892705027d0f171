// QEMU-style option lists ("file=a.img,format=raw"): parts split at
// commas, where ",," stands for a comma inside a value.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "hv/common/error.h"

namespace mipshv {

inline std::vector<std::string> split_option_list(const std::string& spec) {
    std::vector<std::string> parts{""};
    for (size_t i = 0; i < spec.size(); ++i) {
        if (spec[i] != ',') parts.back() += spec[i];
        else if (i + 1 < spec.size() && spec[i + 1] == ',') parts.back() += ',', ++i;
        else parts.emplace_back();
    }
    return parts;
}

// "key=value" as a pair; ("", "") when there is no '=' or no key.
inline std::pair<std::string, std::string> split_key_value(const std::string& part) {
    const size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0) return {};
    return {part.substr(0, eq), part.substr(eq + 1)};
}

// "on" or "off", else Error naming the option ("-drive readonly=yes: ...").
inline bool parse_on_off(const std::string& option, const std::string& key, const std::string& value) {
    if (value == "on") return true;
    if (value == "off") return false;
    throw Error("mipshv: " + option + " " + key + "=" + value + ": expected on or off");
}

}  // namespace mipshv
