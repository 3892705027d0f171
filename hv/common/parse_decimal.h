// Strict decimal numbers for option parsing: digits only, so " 80", "+80"
// and "0x50" are refused rather than read the way strtoul would.
#pragma once
#include <charconv>
#include <cstdint>
#include <string_view>

namespace mipshv {

// False on overflow or on anything but plain decimal digits.
inline bool parse_decimal(std::string_view text, uint64_t& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

}  // namespace mipshv
