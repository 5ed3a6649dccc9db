package config

import (
	"fmt"
)

func (ck *checker) policy(p *Policy, r *Radius, l *LDAP) {
	ck.oneOf("policy.default", p.Default, requirements()...)
	clients := map[string]bool{}
	for _, cl := range r.Clients {
		clients[cl.Name] = true
	}
	names := map[string]int{}
	for i := range p.Rules {
		rule := &p.Rules[i]
		key := fmt.Sprintf("policy.rules[%d]", i)
		if ck.required(key+".name", rule.Name, "") {
			if j, dup := names[rule.Name]; dup {
				ck.add(key+".name", "%q is already used by policy.rules[%d]", rule.Name, j)
			} else {
				names[rule.Name] = i
			}
		}
		ck.conditions(key, rule, clients, l)
		ck.oneOf(key+".require", rule.Require, requirements()...)
		ck.fitsAttribute(key+".reply.class", rule.Reply.Class, "RADIUS attribute")
		ck.fitsAttribute(key+".reply.filter_id", rule.Reply.FilterID, "RADIUS attribute")
	}
}

// requirements lists what a session may require, for policy.default and
// a rule's require.
func requirements() []string {
	return []string{RequirePassword, RequireTOTP, RequireTOTPIfEnrolled, RequireReject}
}

// conditions checks what a rule matches on.
func (ck *checker) conditions(key string, rule *Rule, clients map[string]bool, l *LDAP) {
	if len(rule.Clients)+len(rule.NASIdentifiers)+len(rule.SSIDs)+len(rule.UserCIDRs)+len(rule.Groups) == 0 {
		ck.add(key, "rule %q has no condition (it would match everything; use policy.default)", rule.Name)
	}
	for j, name := range rule.Clients {
		if !clients[name] {
			ck.add(fmt.Sprintf("%s.clients[%d]", key, j), "%q is not a declared client", name)
		}
	}
	ck.noEmpty(key+".nas_identifiers", rule.NASIdentifiers)
	ck.noEmpty(key+".ssids", rule.SSIDs)
	for j, p := range rule.UserCIDRs {
		if !p.IsValid() {
			ck.add(fmt.Sprintf("%s.user_cidrs[%d]", key, j), "missing (an IP or CIDR)")
		}
	}
	ck.noEmpty(key+".groups", rule.Groups)
	if len(rule.Groups) > 0 && l.GroupAttribute == "" && l.GroupBaseDN == "" {
		ck.add(key+".groups", "cannot match: ldap.group_attribute and ldap.group_base_dn are both empty")
	}
}

// noEmpty checks that no entry of a list is the empty string.
func (ck *checker) noEmpty(key string, list []string) {
	for j, s := range list {
		if s == "" {
			ck.add(fmt.Sprintf("%s[%d]", key, j), "empty")
		}
	}
}
