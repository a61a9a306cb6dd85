// Go's time formatting for sprig's date functions and for printing a
// time.Time. Times are nanoseconds since the Unix epoch, always shown in UTC:
// there is no time zone database here, and kwok's containers run in UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kwok::gotpl {

// time.Time.Format with a Go reference layout ("2006-01-02T15:04:05Z07:00").
// Every layout element Go knows is supported; other text is copied.
std::string formatGoLayout(std::string_view layout, std::int64_t unixNanos);

// time.RFC3339Nano ("2006-01-02T15:04:05.999999999Z07:00"), as Go's JSON encoder writes a time.
std::string formatRFC3339Nano(std::int64_t unixNanos);

// time.Time.String() without the monotonic clock reading:
// "2006-01-02 15:04:05.999999999 +0000 UTC".
std::string goTimeString(std::int64_t unixNanos);

}  // namespace kwok::gotpl
