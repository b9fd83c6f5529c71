// common/static_stubs.h — what a connection that needs Kerberos or LDAP is told in this build.
#ifndef NOSHELL_COMMON_STATIC_STUBS_H_
#define NOSHELL_COMMON_STATIC_STUBS_H_

#define NOSHELL_NO_GSSAPI_MESSAGE \
  "Kerberos (GSSAPI) is not supported by this static build of noshell; use password, SCRAM or certificate authentication"
#define NOSHELL_NO_LDAP_MESSAGE \
  "LDAP service lookup is not supported by this static build of noshell; give the host in the target"

#endif  // NOSHELL_COMMON_STATIC_STUBS_H_
