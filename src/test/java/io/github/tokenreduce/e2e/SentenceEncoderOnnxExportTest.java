package io.github.tokenreduce.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tokenreduce.core.Schedule;
import io.github.tokenreduce.core.crossget.CrossGetReducer;
import io.github.tokenreduce.core.madtp.MadtpReducer;
import io.github.tokenreduce.core.tome.ToMeReducer;
import io.github.tokenreduce.djl.bert.BundledEncoder;
import io.github.tokenreduce.djl.bert.SentenceEncoderOnnxExport;
import io.github.tokenreduce.djl.export.OnnxExport;
import io.github.tokenreduce.djl.nn.Precision;
import io.github.tokenreduce.djl.site.TowerReduction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

class SentenceEncoderOnnxExportTest {

    @TempDir
    Path tmp;

    @Test
    void crossGetKeepRatioOnMiniLm() throws Exception {
        TowerReduction r = TowerReduction.of(CrossGetReducer.builder().schedule(Schedule.keepRatio(0.8, 8)).build());
        long t0 = System.nanoTime();
        OnnxExport.Result res = SentenceEncoderOnnxExport.export(BundledEncoder.ALL_MINILM_L6_V2, r,
                new int[] {16, 32, 64}, tmp.resolve("m.onnx"), Precision.FP32);
        System.out.println("export " + (System.nanoTime() - t0) / 1e9 + " s, diff " + res.maxDifference()
                + " tokens " + java.util.Arrays.toString(res.tokensPerLayer()) + " size " + Files.size(res.file()));
        System.out.println(res.reads());
        assertTrue(res.maxDifference() <= 1e-4, "difference " + res.maxDifference());
    }
}
