import { render } from 'preact';
import '../styles/base.css';
import '../styles/staff.css';
import '../styles/assist.css';
import { App } from './App';

render(<App />, document.getElementById('app')!);
