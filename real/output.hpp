// Where the report goes: stdout, or FILE, written as a temporary file in FILE's directory and
// renamed over FILE only when the whole report is written. On an error, an exception or SIGINT /
// SIGTERM / SIGHUP the temporary file is removed, so a FILE that exists is always complete.
// Devices and pipes (/dev/null, /dev/stdout) are written in place.
#pragma once

#include <string>
#include <string_view>

namespace vmtour {

class OutputFile {
public:
    // "" or "-" is stdout. Creates the temporary file now, so an unwritable FILE fails before any
    // memory is allocated (RealError, EXIT_USAGE; the message starts with `option`).
    explicit OutputFile(const std::string& path, std::string_view option = "-o");
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile();  // removes the temporary file unless commit() succeeded

    void write(std::string_view bytes);  // throws RealError
    void commit();                       // closes and renames; throws RealError
    bool is_stdout() const { return path_.empty(); }

private:
    std::string path_;  // empty: stdout
    std::string temp_;
    int fd_ = 1;
    bool committed_ = false;
    bool direct_ = false;  // a device or pipe, written in place
    int slot_ = -1;        // the signal handler's slot for temp_
};

}  // namespace vmtour
