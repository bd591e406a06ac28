# Installation layout and the Debian packages (CPack DEB):
#   madoguchi               madoguchid, madoguchictl, migrations, the front-desk page, the
#                           systemd unit, /etc/madoguchi/madoguchid.json, man page, completion
#   madoguchi-gateway-sim   the online-check gateway simulator and the virtual card (test rigs)
# Build them with `cpack -G DEB` in a build folder (deploy/package-test.sh does, and installs).
include(GNUInstallDirs)

set(MADOGUCHI_DEB_DIR ${MADOGUCHI_SOURCE_DIR}/deploy/debian)

install(TARGETS madoguchid madoguchictl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  COMPONENT daemon)
install(DIRECTORY ${MADOGUCHI_SOURCE_DIR}/db/migrations/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/madoguchi/migrations COMPONENT daemon)
if(EXISTS ${MADOGUCHI_SOURCE_DIR}/web/desk)
  install(DIRECTORY ${MADOGUCHI_SOURCE_DIR}/web/desk/
    DESTINATION ${CMAKE_INSTALL_DATADIR}/madoguchi/web COMPONENT daemon)
endif()
install(FILES ${MADOGUCHI_DEB_DIR}/madoguchid.service DESTINATION lib/systemd/system
  COMPONENT daemon)
install(FILES ${MADOGUCHI_DEB_DIR}/madoguchid.json DESTINATION /etc/madoguchi COMPONENT daemon)
install(FILES ${MADOGUCHI_DEB_DIR}/madoguchictl.bash-completion
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME madoguchictl
  COMPONENT daemon)
file(GLOB MADOGUCHI_DOCS ${MADOGUCHI_SOURCE_DIR}/docs/*.md)
install(FILES ${MADOGUCHI_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT daemon)

# The man page is made from madoguchictl's own --help, so it cannot drift from the program.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/madoguchictl.1.gz
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
      --name "Madoguchi's command line: checks at the counter, terminals, audit"
      --section 1 $<TARGET_FILE:madoguchictl> | gzip -9n > ${CMAKE_BINARY_DIR}/madoguchictl.1.gz
    DEPENDS madoguchictl VERBATIM)
  add_custom_target(madoguchi_man ALL DEPENDS ${CMAKE_BINARY_DIR}/madoguchictl.1.gz)
  install(FILES ${CMAKE_BINARY_DIR}/madoguchictl.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
    COMPONENT daemon)
endif()

install(TARGETS madoguchi-gateway-sim madoguchi-vcard RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  COMPONENT sim)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME madoguchi)
set(CPACK_PACKAGE_VENDOR "Madoguchi")
set(CPACK_PACKAGE_CONTACT "Madoguchi maintainers <maintainers@madoguchi.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Health-insurance eligibility checks at the reception counter")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL daemon sim)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_DAEMON_PACKAGE_NAME madoguchi)
set(CPACK_DEBIAN_DAEMON_PACKAGE_DEPENDS "adduser, poppler-data, tesseract-ocr-jpn")
set(CPACK_DEBIAN_DAEMON_PACKAGE_RECOMMENDS "postgresql, pcscd")
set(CPACK_DEBIAN_DAEMON_DESCRIPTION
  "Health-insurance eligibility checks at the reception counter (窓口)\n Reads the MyNumber card over PC/SC, confirms the qualification online, falls back to\n the documents patients carry and audits every outcome in PostgreSQL.")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_EXTRA
  "${MADOGUCHI_DEB_DIR}/postinst;${MADOGUCHI_DEB_DIR}/prerm;${MADOGUCHI_DEB_DIR}/postrm;${MADOGUCHI_DEB_DIR}/conffiles")
set(CPACK_DEBIAN_DAEMON_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_SIM_PACKAGE_NAME madoguchi-gateway-sim)
set(CPACK_DEBIAN_SIM_PACKAGE_DEPENDS "pcscd, vsmartcard-vpcd")
set(CPACK_DEBIAN_SIM_DESCRIPTION
  "Madoguchi's online-check gateway simulator and virtual MyNumber card\n For test rigs and training: never install it on a production counter.")
include(CPack)
