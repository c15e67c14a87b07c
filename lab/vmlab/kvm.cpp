// Is /dev/kvm usable? Opening it is not enough: on some hosts (nested virtualisation without
// its support, as in some CI machines) KVM_CREATE_VM works and the guest then never runs. So
// the probe runs a guest of one instruction, HLT, in real mode (KVM API:
// Documentation/virt/kvm/api.rst, KVM_CREATE_VCPU, KVM_SET_USER_MEMORY_REGION, KVM_RUN), in a
// child process with a time limit of two seconds: usable when KVM_RUN comes back with
// KVM_EXIT_HLT.
#include "kvm.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vmtour::lab {

namespace {

// Runs in the child: exit 0 when the one-instruction guest halted.
int probe_child() {
    const int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, 0) != 12) return 1;
    const int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) return 2;
    void* mem = mmap(nullptr, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return 3;
    static_cast<unsigned char*>(mem)[0] = 0xf4;  // HLT
    kvm_userspace_memory_region region{};
    region.guest_phys_addr = 0x1000;
    region.memory_size = 0x1000;
    region.userspace_addr = reinterpret_cast<unsigned long>(mem);
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return 4;
    const int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) return 5;
    const int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) return 6;
    auto* run = static_cast<kvm_run*>(mmap(nullptr, static_cast<size_t>(size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0));
    if (run == MAP_FAILED) return 7;
    kvm_sregs sregs{};
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) return 8;
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return 9;
    kvm_regs regs{};
    regs.rip = 0x1000;
    regs.rflags = 2;  // bit 1 is always set
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return 10;
    if (ioctl(vcpu, KVM_RUN, 0) < 0) return 11;
    return run->exit_reason == KVM_EXIT_HLT ? 0 : 12;
}

}  // namespace

bool kvm_usable() {
    if (access("/dev/kvm", R_OK | W_OK) != 0) return false;
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        alarm(2);  // a guest that never comes back: SIGALRM ends the child
        _exit(probe_child());
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace vmtour::lab
