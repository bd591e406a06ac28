# All third-party dependencies come from Debian 12 packages (see deploy/packages.txt).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# libboost1.81-dev; never the unversioned 1.74 packages (they conflict).
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS program_options)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(spdlog REQUIRED)
find_package(pugixml REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)  # the command lines of madoguchictl, the simulator, the card

# libpqxx 6.4 ships no CMake config.
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(PCSCLITE REQUIRED IMPORTED_TARGET libpcsclite)
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET poppler-cpp)
pkg_check_modules(TESSERACT REQUIRED IMPORTED_TARGET tesseract)
pkg_check_modules(LEPTONICA REQUIRED IMPORTED_TARGET lept)
# sd_notify for the systemd unit's Type=notify.
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)

if(MADOGUCHI_TESTS)
  find_package(GTest REQUIRED)
endif()
