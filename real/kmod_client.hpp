// The client side of the kernel module ko5204 (kmod/README.md): each command is one open of
// /proc/pagetable, one write, and the whole answer read back on the same descriptor. The module
// keeps an answer per open file, so another process's commands cannot replace this one's.
#pragma once

#include <string>
#include <string_view>

namespace vmtour {

inline constexpr const char* PAGETABLE_PATH = "/proc/pagetable";

class ModuleClient {
public:
    // The module's file: /proc/pagetable, or $VMREAL_PAGETABLE (for tests, which put a fake module
    // there: a Unix socket, connected to instead of opened). Throws RealError (exit 1) with one line that names the module and how
    // to load it when the file does not exist, and says "root only" when it cannot be opened.
    // `purpose` is the option that needs the module ("--snapshot", "--kernel vmalloc").
    explicit ModuleClient(std::string_view purpose);

    struct Reply {
        int err = 0;         // 0, or the errno the module refused the command with
        std::string answer;  // the module's answer to this command (empty when refused)
    };
    // Writes `command` (a newline is added) and reads its answer. Throws RealError when the answer
    // cannot be read.
    Reply exchange(std::string_view command) const;
    // exchange; throws RealError naming the command and what its errno means here.
    std::string ask(std::string_view command) const;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// What an errno from the module means (kmod/README.md, "Errors"), for messages.
std::string module_errno_text(int err);

}  // namespace vmtour
