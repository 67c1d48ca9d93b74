// carebridge: one executable, one subcommand per role.
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "app/config.hpp"
#include "app/helpdesk_command.hpp"
#include "app/helpdesk_config.hpp"
#include "app/passwords.hpp"
#include "app/records_command.hpp"
#include "app/platform_command.hpp"
#include "app/rotate_keys_command.hpp"
#include "app/routes_command.hpp"
#include "app/up_command.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
    using namespace carebridge;
    CLI::App cli{"carebridge — self-hosted customer-care chat on the Trusted Application API"};
    cli.require_subcommand(1);
    cli.fallthrough();  // --log-level may follow the subcommand
    std::string log_level;
    cli.add_option("--log-level", log_level, "debug, info, warn or error (overrides [ops] log_level)")
        ->check([](const std::string& v) { return log::parse_level(v) ? std::string() : "must be debug, info, warn or error"; });

    std::string config_path;
    auto* platform = cli.add_subcommand("platform", "Run the Trusted Application API platform");
    platform->add_option("--config,-c", config_path, "TOML configuration file")->required();

    auto* helpdesk = cli.add_subcommand("helpdesk", "Run the helpdesk (the reference Service Application)");
    helpdesk->add_option("--config,-c", config_path, "TOML configuration file")->required();

    auto* up = cli.add_subcommand("up", "Run the platform and the helpdesk in one process (demo by default)");
    up->add_option("--config,-c", config_path, "TOML file with [platform] and [helpdesk] tables");

    std::string data_dir;
    auto* rotate = cli.add_subcommand("rotate-keys", "New signing key; the old one stays published as the previous key");
    auto* rotate_config = rotate->add_option("--config,-c", config_path, "the platform's TOML file (its data_dir)");
    rotate->add_option("--data-dir", data_dir, "the platform's data directory (e.g. of `carebridge up`)")
        ->excludes(rotate_config);
    rotate->require_option(1);

    std::string records_db, records_stream;
    std::uint64_t records_from = 0, records_limit = 1000;
    auto* records = cli.add_subcommand("records", "Print a store file's streams, or one stream's records, as JSON lines");
    records->add_option("--db", records_db, "the store file (data_dir/carebridge.db)")->required();
    records->add_option("--stream", records_stream, "a stream name from the listing (e.g. ucwa:<id>)");
    records->add_option("--from", records_from, "first position (default 0)");
    records->add_option("--limit", records_limit, "at most this many records (default 1000)");

    cli.add_subcommand("version", "Print the version");
    cli.add_subcommand("hash-password", "Read a password on stdin, print its password_hash for [[agents]]");
    // Hidden (empty group): the route table as JSON, for the authorization matrix test.
    cli.add_subcommand("routes", "Print the platform's routes as JSON")->group("");
    CLI11_PARSE(cli, argc, argv);
    if (!log_level.empty()) log::pin_level(*log::parse_level(log_level));

    if (cli.got_subcommand("version")) {
        std::cout << "carebridge 0.1.0\n";
        return 0;
    }
    if (cli.got_subcommand("hash-password")) return app::run_hash_password(std::cin, std::cout, std::cerr);
    if (cli.got_subcommand("routes")) return app::print_routes();
    if (cli.got_subcommand("records"))
        return app::run_records(records_db, records_stream, records_from, records_limit, std::cout, std::cerr);
    if (cli.got_subcommand("up"))
        return app::run_up(config_path.empty() ? std::nullopt : std::optional<std::filesystem::path>(config_path));
    try {
        if (cli.got_subcommand("rotate-keys")) {
            if (data_dir.empty()) data_dir = app::load_platform_config(config_path).data_dir.string();
            if (data_dir.empty()) {
                std::cerr << "carebridge: rotate-keys: " << config_path
                          << " has no data_dir (without one the key lives in memory and changes at each start)\n";
                return 2;
            }
            return app::run_rotate_keys(data_dir, std::cout, std::cerr);
        }
        if (cli.got_subcommand("helpdesk")) return app::run_helpdesk(app::load_helpdesk_config(config_path));
        app::PlatformConfig config = app::load_platform_config(config_path);
        return app::run_platform(std::move(config));
    } catch (const app::ConfigError& e) {
        std::cerr << "carebridge: bad config " << config_path << ": " << e.what() << "\n";
        return 2;
    }
}
