#include "app/rotate_keys_command.hpp"

#include <ostream>

#include "platform/auth/key_store.hpp"

namespace carebridge::app {

int run_rotate_keys(const std::filesystem::path& data_dir, std::ostream& out, std::ostream& err) {
    try {
        const auto r = auth::rotate_keys(data_dir);
        out << "signing keys rotated in " << data_dir.string() << "\n"
            << "  current:  " << r.current_kid << " (new, signs from now on)\n"
            << "  previous: " << r.previous_kid << " (still verifies until its tokens expire)\n";
        if (!r.dropped_kid.empty()) out << "  dropped:  " << r.dropped_kid << "\n";
        return 0;
    } catch (const std::exception& e) {
        err << "carebridge: rotate-keys: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace carebridge::app
