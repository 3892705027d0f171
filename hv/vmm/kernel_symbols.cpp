#include "hv/vmm/kernel_symbols.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "hv/common/error.h"
#include "hv/common/host_file.h"

namespace mipshv {

void KernelSymbols::load_system_map(const std::string& path) {
    const std::vector<uint8_t> bytes = read_host_file({"--system-map", path, kMaxSystemMapBytes});
    load_system_map_text(std::string(bytes.begin(), bytes.end()), path);
}

void KernelSymbols::load_system_map_text(const std::string& text, const std::string& path) {
    std::istringstream in(text);
    std::vector<std::pair<uint64_t, std::string>> symbols;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string addr, type, name;
        if (!(words >> addr >> type >> name)) continue;
        char* end = nullptr;
        const uint64_t a = std::strtoull(addr.c_str(), &end, 16);
        if (!end || *end != 0) continue;
        if (type == "T" || type == "t") symbols.emplace_back(a, name);
        if (name == "_text") start_ = a;
        else if (name == "_end") end_ = a;
        else if (name == "__kaslr_offset") kaslr_offset_ = a;
        else if (name == "linux_banner") linux_banner_ = a;
    }
    if (symbols.empty()) throw Error("mipshv: --system-map " + path + ": no text symbols found");
    add(symbols);
}

void KernelSymbols::add(const std::vector<std::pair<uint64_t, std::string>>& symbols) {
    text_.insert(text_.end(), symbols.begin(), symbols.end());
    std::sort(text_.begin(), text_.end());
}

std::optional<int64_t> KernelSymbols::find_relocation(const ReadU64& read) const {
    if (!kaslr_offset_ || !linux_banner_ || !start_ || end_ <= start_) return std::nullopt;
    constexpr uint64_t kBanner = 0x65762078756e694cull;  // "Linux ve", little-endian
    constexpr uint64_t kAlign = 0x10000;                 // relocation_addr_valid
    // The moved copy lies past the original's end, at most the largest
    // CONFIG_RANDOMIZE_BASE_MAX_OFFSET (256 MiB) plus the kernel's length on.
    const uint64_t length = end_ - start_, limit = (256ull << 20) + length + kAlign;
    for (uint64_t o = kAlign; o <= limit; o += kAlign)
        if (read(kaslr_offset_ + o) == o && read(linux_banner_ + o) == kBanner) return int64_t(o);
    // Not moved (nokaslr): the original's own copy, still zero.
    if (read(kaslr_offset_) == 0ull && read(linux_banner_) == kBanner) return 0;
    return std::nullopt;
}

std::string KernelSymbols::symbolize(uint64_t pc, int64_t relocation) const {
    const uint64_t linked = pc - uint64_t(relocation);
    if (end_ && (linked < (start_ ? start_ : text_.front().first) || linked >= end_)) return "";
    auto it = std::upper_bound(text_.begin(), text_.end(), std::make_pair(linked, std::string("\xff")));
    if (it == text_.begin()) return "";
    --it;
    std::ostringstream s;
    s << it->second << "+0x" << std::hex << (linked - it->first);
    return s.str();
}

}  // namespace mipshv
