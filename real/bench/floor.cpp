// The benchmark's floor: allocate the same block vmreal -b 1G does (same mmap and alignment, same
// library code) and touch every page, then exit. What is left is the page faults; vmreal's time
// over this one is what translating and writing cost. Usage: vmreal-floor SIZE
#include "alloc.hpp"
#include "error.hpp"
#include "parse.hpp"

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: vmreal-floor SIZE\n");
        return 2;
    }
    auto size = vmtour::parse_size(argv[1]);
    if (!size) {
        std::fprintf(stderr, "vmreal-floor: %s\n", size.error.c_str());
        return 2;
    }
    try {
        vmtour::AllocRequest req;
        req.mode = vmtour::BlockMode::Big;
        req.size = size.value;
        auto block = vmtour::make_allocation(req);
        block->acquire();
        block->touch(vmtour::Touch::Write);
    } catch (const vmtour::RealError& e) {
        std::fprintf(stderr, "vmreal-floor: %s\n", e.what());
        return e.code;
    }
    return 0;
}
