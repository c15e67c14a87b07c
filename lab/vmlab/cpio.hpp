// A cpio archive in the "newc" format the kernel unpacks into its initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst): vmlab appends one to the guest's
// initramfs for each boot, with the command and the --in files.
#pragma once

#include <string>

namespace vmtour::lab {

class Cpio {
public:
    void directory(const std::string& name);
    void file(const std::string& name, const std::string& data, unsigned mode = 0644);
    // The archive with its trailer.
    std::string finish();

private:
    void entry(const std::string& name, unsigned mode, const std::string& data);
    std::string out_;
    unsigned ino_ = 1;
};

}  // namespace vmtour::lab
