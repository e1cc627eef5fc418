# longweave: `make datasets` builds every pipeline in pipelines/, verifies it, exports the
# splits for LV-Eval's, M4LE's and Hugging Face's code (build/export/) and scores the LV-Eval
# splits with LV-Eval's metric; `make test` runs the tests.
SWIFT ?= swift
RAW_MIRROR ?= $(if $(wildcard ../shared/data),../shared/data,)
THREADS ?= $(shell nproc)
LONGWEAVE := .build/release/longweave
PIPELINES := $(shell find pipelines -name '*.yaml' | sort)

.PHONY: datasets test test-slurm bench raw release setup setup-test clean

datasets: setup release raw
	$(LONGWEAVE) run --threads $(THREADS) $(PIPELINES)
	@for dir in $$(find build -name manifest.json -not -path 'build/export/*' -exec dirname {} \; | sort); do $(LONGWEAVE) verify $$dir || exit 1; done
	$(LONGWEAVE) export --to lveval build/lveval build/export/lveval
	$(LONGWEAVE) export --to lveval build/lveval_fit build/export/lveval_fit
	$(LONGWEAVE) export --to m4le build/m4le build/export/m4le
	$(LONGWEAVE) export --to hf build/lveval build/m4le build/export/hf
	scripts/lveval-scoring.sh $(LONGWEAVE) build/lveval build/export
	scripts/lveval-scoring.sh $(LONGWEAVE) build/lveval_fit

release: setup
	$(SWIFT) build -c release --product longweave

# The Debian packages the build needs (and, for the tests, the tools that read outputs back),
# installed when missing; see scripts/setup.sh.
setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

raw: release
	$(LONGWEAVE) fetch-raw $(if $(RAW_MIRROR),--mirror $(RAW_MIRROR),)

test: setup-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/tokenizer-exactness.sh .build/debug/longweave
	scripts/prompt-tokens.sh .build/debug/longweave
	scripts/lveval-scoring.sh .build/debug/longweave

# A real one-node Slurm (installed when missing): a pipeline and an audit as job arrays,
# merged outputs compared with single-machine runs, a killed task resubmitted.
test-slurm: release raw
	scripts/test-slurm.sh

bench: release raw
	$(SWIFT) build -c release --product LongweaveBench
	@.build/venv-bench/bin/python -c "import trafilatura, gensim, datatrove, spacy, xxhash" 2>/dev/null || (python3 -m venv .build/venv-bench && .build/venv-bench/bin/pip install --quiet trafilatura lxml_html_clean gensim datatrove spacy xxhash) || echo "bench: Python references not installed"
	.build/release/LongweaveBench

clean:
	rm -rf build .build
