// vmreal with the kernel module: a snapshot of vmreal's own buffer (--snapshot), and the module's
// own allocations (--kernel vmalloc|kmalloc). docs/vmreal.md, "With the kernel module".
#pragma once

#include "cli.hpp"

namespace vmtour {

struct Experiment;
class ModuleClient;
class OutputFile;

// Snapshots every page of the experiment (at most 16 MiB per snapshot, snapshot_file.hpp), reads
// pagemap again right after each snapshot, merges them into one machine file with an
// `expect VA PA pagemap` line for every page that has a frame, and writes it to `out` (not
// committed). Fills ex.snapshot_note for the summary. Throws RealError.
void snapshot_experiment(Experiment& ex, const ModuleClient& module, OutputFile& out);

// --kernel vmalloc|kmalloc: the module allocates 1 MiB and translates it; its answer goes to
// `report` (text: as the module wrote it; csv and json: one record per page), and with `snapshot`
// the machine file of `snapshot vmalloc|kmalloc`. Nothing is committed. Returns the summary line.
std::string run_kernel_allocation(const Config& config, const ModuleClient& module, OutputFile& report,
                                  OutputFile* snapshot);

}  // namespace vmtour
