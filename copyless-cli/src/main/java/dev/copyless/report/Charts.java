package dev.copyless.report;

import dev.copyless.balancer.BalancingPolicy;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.HorizontalBarChart;
import org.knowm.xchart.HorizontalBarChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.IChart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's chart toolkit: builds XChart line, bar and horizontal-bar charts in one house
 * style (readable fonts, light grid, one fixed colour per policy, compact tick labels) and
 * encodes them, alone or as a row of panels, to PNG bytes without a display.
 */
final class Charts {
    static final int WIDTH = 1100;
    static final int HEIGHT = 470;
    static final int PANEL_HEIGHT = 430;

    private static final Font BASE = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    private static final Font AXIS_TITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font LEGEND = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Color GRID = new Color(0xE3E3E3);
    private static final Color INK = new Color(0x222222);

    /** Okabe-Ito colours (colour-blind safe). */
    static final Color BLUE = new Color(0x0072B2);
    static final Color VERMILLION = new Color(0xD55E00);
    static final Color GREY = new Color(0x8C8C8C);
    static final Color ORANGE = new Color(0xE69F00);
    static final Color SKY = new Color(0x56B4E9);
    static final Color GREEN = new Color(0x009E73);
    static final Color PURPLE = new Color(0xCC79A7);
    static final Color YELLOW = new Color(0xB8A000);
    static final Color[] PALETTE = {BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY, YELLOW, GREY};

    static final BasicStroke SOLID = new BasicStroke(2.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    static final BasicStroke DASHED = new BasicStroke(2.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
            new float[] {8f, 5f}, 0f);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        javax.imageio.ImageIO.setUseCache(false); // encode PNGs in memory: no temporary file, so a full disk cannot break it
    }

    private Charts() {}

    /**
     * The colour of a policy, the same in every chart: copyless blue, copyless-holdback sky blue,
     * naive vermillion, none grey.
     */
    static Color policyColor(String policy, int index) {
        return switch (policy) {
            case BalancingPolicy.COPYLESS -> BLUE;
            case BalancingPolicy.COPYLESS_HOLDBACK -> SKY;
            case BalancingPolicy.NAIVE -> VERMILLION;
            case BalancingPolicy.NONE -> GREY;
            default -> PALETTE[(index + 2) % PALETTE.length];
        };
    }

    /** An empty line chart with title, axis titles and the house style. */
    static XYChart xy(String title, String xTitle, String yTitle, int width, int height) {
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setMarkerSize(0);
        // a custom x formatter would put a tick on every data point: keep XChart's round ticks
        c.getStyler().setXAxisDecimalPattern("#,##0.##");
        c.getStyler().setXAxisTickMarkSpacingHint(90);
        c.getStyler().setYAxisTickLabelsFormattingFunction(Charts::compact);
        return c;
    }

    /** Adds one line, without markers. */
    static XYSeries line(XYChart c, String name, double[] x, double[] y, Color color, BasicStroke stroke) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(stroke);
        return s;
    }

    /** A grouped vertical bar chart with value labels on the bars. */
    static CategoryChart bars(String title, String xTitle, String yTitle, int width, int height) {
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Bar);
        c.getStyler().setAvailableSpaceFill(0.8);
        c.getStyler().setOverlapped(false);
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        c.getStyler().setLabelsFontColorAutomaticEnabled(false);
        c.getStyler().setLabelsFontColor(INK);
        c.getStyler().setLabelsPosition(1.02);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        c.getStyler().setYAxisTickLabelsFormattingFunction(Charts::compact);
        c.getStyler().setYAxisMin(0.0);
        return c;
    }

    /** A category chart drawn as lines with markers (for sweeps: one point per swept value). */
    static CategoryChart categoryLines(String title, String xTitle, String yTitle, int width, int height) {
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        // overlapped: every series' point sits on its category (not side by side like bars)
        c.getStyler().setOverlapped(true);
        c.getStyler().setMarkerSize(9);
        c.getStyler().setPlotGridVerticalLinesVisible(false);
        return c;
    }

    /** A horizontal bar chart of one series, with value labels, for ratios. */
    static HorizontalBarChart horizontalBars(String title, String xTitle, String yTitle, int width, int height) {
        HorizontalBarChart c = new HorizontalBarChartBuilder().width(width).height(height).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(c.getStyler());
        c.getStyler().setAvailableSpaceFill(0.65);
        c.getStyler().setLabelsVisible(true);
        c.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        c.getStyler().setLabelsFontColorAutomaticEnabled(false);
        c.getStyler().setLabelsFontColor(INK);
        c.getStyler().setLegendVisible(false);
        c.getStyler().setPlotGridHorizontalLinesVisible(false);
        // XChart lays a horizontal bar chart's category labels with the x hint: keep every label
        c.getStyler().setXAxisTickMarkSpacingHint(10);
        return c;
    }

    /**
     * Makes XChart choose round ticks (0, 100, 200...) on the x axis. XChart puts a tick on every
     * n-th data point when all x values are equally spaced (6, 12, 18... ms for time buckets);
     * an invisible two-point series at x = 0 and 0.001 breaks the equal spacing.
     */
    static void roundXTicks(XYChart c) {
        XYSeries s = c.addSeries(" ", new double[] {0, 0.001}, new double[] {0, 0});
        s.setShowInLegend(false);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(new Color(0, 0, 0, 0));
    }

    /** A reference line across the plot at {@code value} on the value axis. */
    static void referenceLine(org.knowm.xchart.internal.chartpart.AxesChart<?, ?> c, double value, boolean vertical) {
        c.addAnnotation(new AnnotationLine(value, vertical, false));
        c.getStyler().setAnnotationLineColor(INK);
        c.getStyler().setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
    }

    private static void style(AxesChartStyler s) {
        s.setBaseFont(BASE);
        s.setChartTitleFont(TITLE);
        s.setAxisTitleFont(AXIS_TITLE);
        s.setAxisTickLabelsFont(TICKS);
        s.setLegendFont(LEGEND);
        s.setChartFontColor(INK);
        s.setAxisTickLabelsColor(INK);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setPlotBorderColor(new Color(0xBBBBBB));
        s.setPlotGridLinesColor(GRID);
        s.setPlotGridLinesStroke(new BasicStroke(1f));
        s.setChartTitleBoxVisible(false);
        s.setLegendBorderColor(new Color(0xCCCCCC));
        s.setLegendBackgroundColor(new Color(255, 255, 255, 235));
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setChartPadding(14);
        s.setPlotMargin(6);
        s.setAxisTitlePadding(10);
        s.setAxisTickPadding(6);
        s.setLocale(Locale.ROOT);
        s.setAntiAlias(true);
        s.setTextAntiAlias(true);
    }

    /** PNG bytes of one chart. */
    static byte[] png(IChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** PNG bytes of several charts side by side (one row). */
    static byte[] pngRow(List<? extends IChart> charts) {
        if (charts.size() == 1) {
            return png(charts.getFirst());
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapFormat.PNG);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Tick label: 0, 950, 12.5k, 3.2M, 1.5G; fractions with up to three significant decimals. */
    static String compact(Double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** A formatter that appends a unit suffix to {@link #compact}. */
    static Function<Double, String> compactWith(String suffix) {
        return v -> compact(v) + suffix;
    }
}
