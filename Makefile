# radius2fa — see README.md.
#   make build   bin/radius2fa and the load tool bin/radbench
#   make test    everything CI runs: install missing Debian tools (as root), gofmt, vet, go test -race
#   make demo    a throwaway slapd with demo users and the daemon on 127.0.0.1, with a live code to try

GO       ?= go
BIN      := bin/radius2fa
DEB_PKGS := slapd ldap-utils freeradius-utils oathtool zbar-tools ocserv openconnect chromium fonts-ipafont-gothic systemd

.PHONY: build test demo deps fmt vet bench clean

build:
	$(GO) build -o $(BIN) ./cmd/radius2fa
	$(GO) build -o bin/radbench ./cmd/radbench

# deps installs the Debian packages the tests drive (slapd, radclient,
# oathtool) when they are missing and we are root; otherwise it says what to
# install. Tests that need a missing tool fail with the same command.
deps:
	@missing=""; \
	for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			testdata/apt-install.sh $$missing; \
		else \
			echo "missing Debian packages:$$missing -- run: sudo apt-get install -y$$missing" >&2; \
		fi; \
	fi

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: deps fmt vet
	$(GO) test -race -count=1 -timeout 12m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

demo: deps build
	testdata/demo.sh

clean:
	rm -rf bin .demo
