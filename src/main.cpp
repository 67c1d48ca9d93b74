// carebridge: one executable, one subcommand per role.
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/config.hpp"
#include "app/platform_command.hpp"

int main(int argc, char** argv) {
    using namespace carebridge;
    CLI::App cli{"carebridge — self-hosted customer-care chat on the Trusted Application API"};
    cli.require_subcommand(1);

    std::string config_path;
    auto* platform = cli.add_subcommand("platform", "Run the Trusted Application API platform");
    platform->add_option("--config,-c", config_path, "TOML configuration file")->required();

    cli.add_subcommand("version", "Print the version");
    CLI11_PARSE(cli, argc, argv);

    if (cli.got_subcommand("version")) {
        std::cout << "carebridge 0.1.0\n";
        return 0;
    }
    try {
        app::PlatformConfig config = app::load_platform_config(config_path);
        return app::run_platform(std::move(config));
    } catch (const app::ConfigError& e) {
        std::cerr << "carebridge: bad config " << config_path << ": " << e.what() << "\n";
        return 2;
    }
}
