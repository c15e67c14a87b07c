// The client side of the kernel module ko5204 (kmod/README.md): one command per write to
// /proc/pagetable, then the whole answer read back. The answer is the module's, not the
// process's: another process writing a command in between replaces it, so callers check that an
// answer is theirs (snapshot_file.hpp keeps the owner of a snapshot) and ask again if it is not.
#pragma once

#include <string>
#include <string_view>

namespace vmtour {

inline constexpr const char* PAGETABLE_PATH = "/proc/pagetable";

class ModuleClient {
public:
    // The module's file: /proc/pagetable, or $VMREAL_PAGETABLE (for tests, which put a fake module
    // behind a FIFO there). Throws RealError (exit 1) with one line that names the module and how
    // to load it when the file does not exist, and says "root only" when it cannot be opened.
    // `purpose` is the option that needs the module ("--snapshot", "--kernel vmalloc").
    explicit ModuleClient(std::string_view purpose);

    // Writes `command` (a newline is added) and returns 0, or the errno the module refused it with.
    int send(std::string_view command) const;
    // The answer to the last command anyone sent. Throws RealError when it cannot be read.
    std::string read_answer() const;
    // send + read_answer; throws RealError naming the command and what its errno means here.
    std::string ask(std::string_view command) const;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// What an errno from the module means (kmod/README.md, "Errors"), for messages.
std::string module_errno_text(int err);

}  // namespace vmtour
