// Guest mistakes a device reports: each kind logged once per device on
// stderr (a guest cannot flood the log), every one counted by the caller.
#pragma once
#include <cstdio>
#include <set>
#include <string>

namespace mipshv::virtio {

class GuestErrorLog {
public:
    GuestErrorLog(std::string device, std::string kind) : device_(std::move(device)), kind_(std::move(kind)) {}
    void report(const std::string& what) {
        if (logged_.insert(what).second)
            std::fprintf(stderr, "mipshv: %s (%s): guest error: %s\n", device_.c_str(), kind_.c_str(), what.c_str());
    }

private:
    std::string device_, kind_;
    std::set<std::string> logged_;
};

}  // namespace mipshv::virtio
