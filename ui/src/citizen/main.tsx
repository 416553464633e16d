import { render } from 'preact';
import '../styles/base.css';
import '../styles/chat.css';
import { CitizenChat, locate } from './Chat';

const { entry, base } = locate(location);
render(<CitizenChat entry={entry} base={base} />, document.getElementById('app')!);
