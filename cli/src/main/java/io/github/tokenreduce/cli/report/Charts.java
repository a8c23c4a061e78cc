package io.github.tokenreduce.cli.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** PNG charts drawn with XChart: named series of (x, y) points, lines or scatter. */
public final class Charts {

    /** One named series. */
    public record Series(String name, List<Double> x, List<Double> y) {}

    private Charts() {}

    /** Writes an XY chart to {@code png} (800 × 500). */
    public static void xy(Path png, String title, String xLabel, String yLabel, List<Series> series, boolean lines)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setDefaultSeriesRenderStyle(lines ? XYSeries.XYSeriesRenderStyle.Line
                : XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(8);
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Series s : series) {
            if (s.x().isEmpty()) {
                continue;
            }
            String name = seen.merge(s.name(), 1, Integer::sum) == 1 ? s.name() : s.name() + " " + seen.get(s.name());
            XYSeries xy = chart.addSeries(name, s.x(), s.y());
            xy.setMarker(SeriesMarkers.CIRCLE);
        }
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
