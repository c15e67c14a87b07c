// The built-in example machines, one per mode, used when no --machine file is given. Each is a
// machine file (so `vmsim dump` shows it) whose walk of 0x1337babe has round numbers to check by hand.
#pragma once

#include "machine.hpp"

#include <string>
#include <string_view>

namespace vmtour {

std::string_view example_text(const PagingMode& mode);
Machine example_machine(const PagingMode& mode);
std::string fmt_example_name(const PagingMode& mode);

}  // namespace vmtour
