// Whether QEMU can use KVM here (see kvm.cpp for why opening /dev/kvm is not enough).
#pragma once

namespace vmtour::lab {

bool kvm_usable();

}  // namespace vmtour::lab
