package dap

import (
	"bytes"
	"testing"

	"github.com/privrec/privrec/model"
)

// TestCodesMatchModel: the measure module's codes mean what the main
// module's mean, so the SDK maps both with one table.
func TestCodesMatchModel(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  uint16
		want model.Code
	}{
		{"ok", codeOK, model.CodeOK},
		{"bad request", codeBadRequest, model.CodeBadRequest},
		{"corrupt", codeCorrupt, model.CodeCorrupt},
		{"unsupported", codeUnsupported, model.CodeUnsupported},
		{"too large", codeTooLarge, model.CodeTooLarge},
		{"internal", codeInternal, model.CodeInternal},
	} {
		if tc.got != uint16(tc.want) {
			t.Errorf("%s: dap code %d, model code %d", tc.name, tc.got, tc.want)
		}
	}
}

// TestEnvelopeMatchesModel: EncodeEnvelope writes model.EncodeEnvelope's
// bytes, so hosts decode both modules' answers with model.DecodeEnvelope.
func TestEnvelopeMatchesModel(t *testing.T) {
	for _, env := range []model.Envelope{
		{Code: 0, Result: []byte{0x81, 0xa1, 'x', 0x01}},
		{Code: 9, Message: "dap: unsupported configuration: x"},
	} {
		got := EncodeEnvelope(uint16(env.Code), env.Message, env.Result)
		if want := model.EncodeEnvelope(&env); !bytes.Equal(got, want) {
			t.Fatalf("envelope %+v\n got %x\nwant %x", env, got, want)
		}
		back, err := model.DecodeEnvelope(got)
		wantResult := env.Result
		if wantResult == nil {
			wantResult = []byte{0xc0} // the raw nil
		}
		if err != nil || back.Code != env.Code || back.Message != env.Message || !bytes.Equal(back.Result, wantResult) {
			t.Fatalf("model.DecodeEnvelope: %+v, %v", back, err)
		}
	}
}
