// chart.js, with only the parts the hourly bar chart needs (tree-shaken).
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
  type ChartData,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export function makeBarChart(canvas: HTMLCanvasElement, data: ChartData<'bar'>): Chart<'bar'> {
  const font = { family: '"Nanum Gothic", "NanumGothic", "Noto Sans KR", sans-serif' };
  return new Chart<'bar'>(canvas, {
    type: 'bar',
    data,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { grid: { display: false }, ticks: { font } },
        y: { beginAtZero: true, ticks: { precision: 0, font } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { font, boxWidth: 12 } },
        tooltip: { bodyFont: font, titleFont: font },
      },
    },
  });
}
