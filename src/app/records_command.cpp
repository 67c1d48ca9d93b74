#include "app/records_command.hpp"

#include <ostream>

#include <boost/json.hpp>

#include "platform/engine/record_dictionary.hpp"
#include "store/sqlite/sqlite_inspect.hpp"

namespace carebridge::app {

int run_records(const std::filesystem::path& db, const std::string& stream, std::uint64_t from,
                std::uint64_t limit, std::ostream& out, std::ostream& err) {
    try {
        if (stream.empty()) {
            for (const auto& s : store::inspect_streams(db))
                out << boost::json::serialize(boost::json::object{{"stream", s.stream},
                                                                  {"first", s.first},
                                                                  {"last", s.last},
                                                                  {"count", s.count},
                                                                  {"storedBytes", s.stored_bytes}})
                    << "\n";
            return 0;
        }
        store::inspect_records(db, platform::persist::record_dictionaries(), stream, from, limit,
                               [&](const store::Record& r) {
                                   out << boost::json::serialize(
                                              boost::json::object{{"position", r.position}, {"data", r.data}})
                                       << "\n";
                               });
        return 0;
    } catch (const std::exception& e) {
        err << "carebridge: records: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace carebridge::app
